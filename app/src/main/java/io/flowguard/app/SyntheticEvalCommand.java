package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.ingest.synthetic.CardTransactionGenerator;
import io.flowguard.ingest.synthetic.PumpStationFleet;
import io.flowguard.ingest.synthetic.PumpStationSimulator;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertEpisode;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.AlertPolicy.Rule;
import io.flowguard.model.score.AlertPolicy.Verdict;
import io.flowguard.model.score.Decision;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import io.flowguard.model.score.TypicalityWindow;
import io.flowguard.model.score.TypicalityWindows;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.schemas.Event;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Detection quality on a labelled synthetic stream (the generators of {@code flowguard ingest}): train on the clean
 * head of the stream, then run the rest in order through the plain rule (low density only) and the guarded rule
 * (density tails, latent norm, per-key window typicality) at the same target false-alarm rate, and report recall per
 * injected anomaly type and false alarms per 10,000 normal events.
 */
@Command(name = "eval-synthetic", description = "Recall per injected anomaly type and false alarms per 10,000 normal"
        + " events on a generated stream, plain rule vs guarded rule; the last stdout line is JSON.")
final class SyntheticEvalCommand implements Callable<Integer> {

    @Option(names = "--generator", defaultValue = "pump-stations", description = "pump-stations or cards.")
    String generator;

    @Option(names = "--keys", description = "Stations (default 50) or cards (default 2,000).")
    Integer keys;

    @Option(names = "--train-events", description = "Clean events to train on (default: two daily cycles of every"
            + " station, 2,880 readings each; 60,000 card transactions).")
    Integer trainEvents;

    @Option(names = "--events", defaultValue = "400000", description = "Events to score after training.")
    int events;

    @Option(names = "--anomaly-rate", defaultValue = "0.01", description = "Share of injected anomalies.")
    double anomalyRate;

    @Mixin
    ModelOptions model;

    @Mixin
    PolicyOptions policy;

    /** Per injected kind, events and alerts under each rule. */
    record KindResult(String kind, long events, long plainAlerts, long guardedAlerts,
            Map<String, Long> guardedByVerdict) {

        double plainRecall() {
            return events == 0 ? 0 : (double) plainAlerts / events;
        }

        double guardedRecall() {
            return events == 0 ? 0 : (double) guardedAlerts / events;
        }
    }

    /**
     * The whole run.
     *
     * @param kinds per injected kind (NORMAL included: its "recall" is the false-alarm share)
     * @param cleanNormal normal events whose key's window holds no injected event
     * @param plainCleanAlerts plain-rule alerts among them
     * @param guardedCleanAlerts guarded-rule alerts among them
     * @param guardedCleanByReason those alerts by test
     * @param episodes guarded alert episodes ({@link AlertEpisode}: one per key from its first alert until a
     *     window's worth of normal events in a row)
     * @param falseEpisodes those during which the key had no injected event
     */
    record Result(List<KindResult> kinds, long cleanNormal, long plainCleanAlerts, long guardedCleanAlerts,
            Map<String, Long> guardedCleanByReason, double fitSeconds, int features, int window, long episodes,
            long falseEpisodes) {

        KindResult kind(String name) {
            return kinds.stream().filter(k -> k.kind().equals(name)).findFirst().orElseThrow();
        }

        double plainFalseAlarmsPer10k() {
            return 1e4 * kind("NORMAL").plainRecall();
        }

        double guardedFalseAlarmsPer10k() {
            return 1e4 * kind("NORMAL").guardedRecall();
        }

        /** False episodes per 10,000 normal events (the per-event rate's counterpart for pages). */
        double falseEpisodesPer10k() {
            return 1e4 * falseEpisodes / Math.max(1, kind("NORMAL").events());
        }
    }

    @Override
    public Integer call() {
        if (model.maxSeconds == null) {
            model.maxSeconds = 180.0;
        }
        if (model.epochs == null) {
            model.epochs = 60;
        }
        Result r = run(System.err);
        print(System.out, r);
        return 0;
    }

    Result run(PrintStream progress) {
        if (trainEvents == null) {
            trainEvents = generator.equals("pump-stations") ? (keys == null ? 50 : keys) * 2 * 1440 : 60_000;
        }
        Supplier<Event> stream = stream();
        List<Event> train = new ArrayList<>(trainEvents);
        while (train.size() < trainEvents) {
            Event e = stream.get();
            if ("NORMAL".equals(e.getContext().get("injected"))) {
                train.add(e);
            }
        }
        String[] names = new TreeMap<>(train.get(0).getFeatures()).keySet().toArray(String[]::new);
        if (generator.equals("pump-stations")) {
            names = PumpStationSimulator.SENSORS.toArray(String[]::new);
        }
        List<Event> test = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            test.add(stream.get());
        }
        progress.printf(Locale.ROOT, "eval-synthetic %s: training on %,d clean events, then %,d events with %.1f%% "
                + "injected anomalies%n", generator, trainEvents, events, 100 * anomalyRate);
        try (NDManager manager = NDManager.newBaseManager(Devices.select(model.device))) {
            long t0 = System.nanoTime();
            ModelFitter.Fitted fitted = ModelFitter.fit(rows(train, names), keysOf(train), names,
                    model.spec(model.seed), model.preprocessing(), model.train(model.seed),
                    Progress.epochs(progress, "  "), manager, generator + " generator");
            double fitSeconds = (System.nanoTime() - t0) / 1e9;
            Scorer scorer = fitted.scorer();
            ScoreBatch scores = scorer.score(rows(test, names));
            AlertPolicy base = policy.policy();
            Thresholds plain = new AlertPolicy(base.falseAlarmRate(), Rule.PLAIN).thresholds(fitted.calibration(),
                    names.length);
            Thresholds guarded = new AlertPolicy(base.falseAlarmRate(), Rule.GUARDED)
                    .thresholds(fitted.calibration(), names.length);
            progress.printf(Locale.ROOT, "held-out log p: mean %.2f, std %.2f; guarded thresholds: log p in [%.2f, %.2f],"
                    + " ||z||^2 >= %.3f, window mean in [%.2f, %.2f], log sd >= %.2f, runs < %d (delta %.4f)%n", fitted.calibration().mean(),
                    fitted.calibration().std(), guarded.lowLogLikelihood(), guarded.highLogLikelihood(),
                    guarded.lowLatentNorm(), guarded.lowWindowMean(), guarded.highWindowMean(), guarded.lowWindowLogSd(),
                    guarded.runLength(), fitted.calibration().runDelta());
            return tally(test, scores, plain, guarded, fitSeconds, names.length);
        }
    }

    private static Result tally(List<Event> test, ScoreBatch scores, Thresholds plain, Thresholds guarded,
            double fitSeconds, int features) {
        int window = Math.max(1, guarded.window());
        TypicalityWindows plainWindows = new TypicalityWindows(window);
        TypicalityWindows guardedWindows = new TypicalityWindows(window);
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, Map<String, Long>> byVerdict = new HashMap<>();
        Map<String, int[]> lastInjected = new HashMap<>();
        long cleanNormal = 0;
        long plainClean = 0;
        long guardedClean = 0;
        Map<String, Long> cleanByReason = new TreeMap<>();
        Map<String, AlertEpisode> episodes = new HashMap<>();
        Map<String, boolean[]> episodeInjected = new HashMap<>();
        long[] episodeCounts = new long[2]; // all, false
        int clearAfter = AlertEpisode.clearAfter(guarded.window());
        for (int i = 0; i < test.size(); i++) {
            Event e = test.get(i);
            String kind = e.getContext().get("injected");
            String key = e.getKey();
            Decision p = plain.decide(scores.logLikelihood(i), scores.latentSquaredNorm(i),
                    plainWindows.of(key, "m"), "m");
            Decision g = guarded.decide(scores.logLikelihood(i), scores.latentSquaredNorm(i),
                    guardedWindows.of(key, "m"), "m");
            long[] c = counts.computeIfAbsent(kind, k -> new long[3]);
            c[0]++;
            c[1] += p.alert() ? 1 : 0;
            c[2] += g.alert() ? 1 : 0;
            String reason = g.alert() ? reason(g, guarded, guardedWindows.of(key, "m"), scores.logLikelihood(i))
                    : null;
            AlertEpisode episode = episodes.computeIfAbsent(key, k -> new AlertEpisode());
            boolean[] injected = episodeInjected.computeIfAbsent(key, k -> new boolean[1]);
            AlertEpisode.Transition t = episode.observe(e.getEventId(), i, g.alert(), false, reason, clearAfter);
            if (t == AlertEpisode.Transition.OPENED) {
                injected[0] = false;
                episodeCounts[0]++;
            }
            injected[0] |= episode.isOpen() && !"NORMAL".equals(kind);
            if (t == AlertEpisode.Transition.RESOLVED) {
                episodeCounts[1] += injected[0] ? 0 : 1;
                episode.clear();
            }
            if (reason != null) {
                byVerdict.computeIfAbsent(kind, k -> new TreeMap<>()).merge(reason, 1L, Long::sum);
            }
            // Events since the key's last injected one: a normal event is "clean" when its window holds none.
            int[] since = lastInjected.computeIfAbsent(key, k -> new int[] {Integer.MAX_VALUE / 2});
            since[0] = "NORMAL".equals(kind) ? since[0] + 1 : 0;
            if ("NORMAL".equals(kind) && since[0] >= window) {
                cleanNormal++;
                plainClean += p.alert() ? 1 : 0;
                guardedClean += g.alert() ? 1 : 0;
                if (reason != null) {
                    cleanByReason.merge(reason, 1L, Long::sum);
                }
            }
        }
        for (Map.Entry<String, AlertEpisode> open : episodes.entrySet()) {
            if (open.getValue().isOpen() && !episodeInjected.get(open.getKey())[0]) {
                episodeCounts[1]++; // still open at the end of the stream
            }
        }
        List<KindResult> kinds = new ArrayList<>();
        counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(en -> kinds.add(new KindResult(
                en.getKey(), en.getValue()[0], en.getValue()[1], en.getValue()[2],
                byVerdict.getOrDefault(en.getKey(), Map.of()))));
        return new Result(kinds, cleanNormal, plainClean, guardedClean, cleanByReason, fitSeconds, features, window,
                episodeCounts[0], episodeCounts[1]);
    }

    /** The verdict with the test behind it: which window test, or whether too likely or too close to the mode. */
    private static String reason(Decision g, Thresholds guarded, TypicalityWindow w, double logLikelihood) {
        return switch (g.verdict()) {
            case WINDOW_TYPICALITY -> "WINDOW_TYPICALITY(" + guarded.windowTest(g.windowMean(), w.logSd(), w.run())
                    + ")";
            case HIGH_DENSITY_ATYPICAL -> "HIGH_DENSITY_ATYPICAL(" + (logLikelihood > guarded.highLogLikelihood()
                    ? "too likely" : "latent norm") + ")";
            default -> g.verdict().name();
        };
    }

    private void print(PrintStream o, Result r) {
        double rate = policy.policy().falseAlarmRate();
        o.printf(Locale.ROOT, "%s: %d features, model fitted in %.1f s; target false-alarm rate %s, windows of %d "
                + "events per key%n%n", generator, r.features(), r.fitSeconds(), rate, r.window());
        o.printf("%-20s %9s %12s %14s  %s%n", "injected", "events", "plain rule", "guarded rule",
                "guarded alerts by reason");
        for (KindResult k : r.kinds()) {
            boolean normal = k.kind().equals("NORMAL");
            o.printf(Locale.ROOT, "%-20s %9d %12s %14s  %s%n", k.kind().toLowerCase(Locale.ROOT).replace('_', ' '),
                    k.events(), normal ? per10k(k.plainRecall()) : pct(k.plainRecall()),
                    normal ? per10k(k.guardedRecall()) : pct(k.guardedRecall()), k.guardedByVerdict());
        }
        o.printf(Locale.ROOT, "%nnormal events whose key's last %d events hold no injected one: %,d; false alarms per "
                + "10,000 of them: plain %.2f, guarded %.2f%n", r.window(), r.cleanNormal(),
                1e4 * r.plainCleanAlerts() / Math.max(1, r.cleanNormal()),
                1e4 * r.guardedCleanAlerts() / Math.max(1, r.cleanNormal()));
        o.printf("guarded false alarms among them by test: %s%n", r.guardedCleanByReason());
        o.printf(Locale.ROOT, "guarded alert episodes per key (open at the first alert, resolved after %d normal events"
                + " in a row): %,d, of which %,d false (no injected event while open): %.2f per 10,000 normal "
                + "events%n", AlertEpisode.clearAfter(r.window()), r.episodes(), r.falseEpisodes(),
                r.falseEpisodesPer10k());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("generator", generator);
        json.put("false_alarm_rate", rate);
        Map<String, Object> recall = new LinkedHashMap<>();
        for (KindResult k : r.kinds()) {
            if (!k.kind().equals("NORMAL")) {
                recall.put(k.kind().toLowerCase(Locale.ROOT), Map.of("plain", round(k.plainRecall()), "guarded",
                        round(k.guardedRecall()), "events", k.events()));
            }
        }
        json.put("recall", recall);
        json.put("false_alarms_per_10k", Map.of("plain", round(r.plainFalseAlarmsPer10k()), "guarded",
                round(r.guardedFalseAlarmsPer10k())));
        json.put("false_alarms_per_10k_clean_window", Map.of(
                "plain", round(1e4 * r.plainCleanAlerts() / Math.max(1, r.cleanNormal())),
                "guarded", round(1e4 * r.guardedCleanAlerts() / Math.max(1, r.cleanNormal()))));
        json.put("episodes", Map.of("guarded", r.episodes(), "false", r.falseEpisodes(), "false_per_10k",
                round(r.falseEpisodesPer10k())));
        o.println(new Gson().toJson(json));
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static String per10k(double v) {
        return String.format(Locale.ROOT, "%.2f/10k", 1e4 * v);
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    private Supplier<Event> stream() {
        long seed = model.seed + 17;
        switch (generator) {
            case "pump-stations" -> {
                PumpStationFleet fleet = new PumpStationFleet(keys == null ? 50 : keys, seed, anomalyRate, "s-");
                long[] minute = {1_700_000_000_000L};
                return () -> fleet.next(Instant.ofEpochMilli(minute[0] += 60_000));
            }
            case "cards" -> {
                CardTransactionGenerator cards = new CardTransactionGenerator(keys == null ? 2000 : keys, seed,
                        anomalyRate, "c-");
                return cards::next;
            }
            default -> throw new UserError("--generator: expected pump-stations or cards, got '" + generator + "'");
        }
    }

    private static Matrix rows(List<Event> events, String[] names) {
        float[] v = new float[events.size() * names.length];
        for (int i = 0; i < events.size(); i++) {
            Map<String, Double> f = events.get(i).getFeatures();
            for (int j = 0; j < names.length; j++) {
                v[i * names.length + j] = f.get(names[j]).floatValue();
            }
        }
        return new Matrix(events.size(), names.length, v);
    }

    private static String[] keysOf(List<Event> events) {
        return events.stream().map(Event::getKey).toArray(String[]::new);
    }
}
