package io.flowguard.app;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.ingest.EventPublisher;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.retrainer.ControlTopic;
import io.flowguard.retrainer.ReleaseKeys;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.stream.ScoringService;
import io.flowguard.stream.StreamConfig;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flowguard bench swap}: the living model under load on the embedded broker. A paced producer offers events
 * while the retrainer refits on request and releases, and then while releases are swapped back and forth; it
 * measures what a swap costs the stream (the longest gap in score arrivals around a swap), whether anything was lost
 * or scored twice, the scored rate with and without a refit running on the same cores, the time from the refit's
 * trigger to the scorer serving its release, and RSS. Last stdout line: JSON.
 */
@Command(name = "swap", description = "Scorer + retrainer under a paced load: swap pauses, lost/duplicated "
        + "events, throughput during refits, trigger-to-serving time, RSS. Last stdout line: JSON.")
final class SwapBenchCommand implements Callable<Integer> {

    @Option(names = "--offered-rate", defaultValue = "20000", description = "Events/s offered throughout.")
    int offeredRate;

    @Option(names = "--features", defaultValue = "32", description = "Event dimension d.")
    int features;

    @Option(names = "--window-events", defaultValue = "100000", description = "The retrainer's window.")
    int windowEvents;

    @Option(names = "--refits", defaultValue = "2", description = "Refits requested one after another.")
    int refits;

    @Option(names = "--forced-swaps", defaultValue = "10", description = "Releases swapped back and forth after.")
    int forcedSwaps;

    @Option(names = "--swap-interval-ms", defaultValue = "2000", description = "Between forced swaps.")
    int swapIntervalMs;

    @Option(names = "--warm-up-seconds", defaultValue = "60", description = "Load before anything is measured "
            + "(the JIT compiles scorer, clients and broker meanwhile).")
    int warmUpSeconds;

    @Option(names = "--max-train-seconds", defaultValue = "120", description = "Training budget of each refit.")
    double maxTrainSeconds;

    @Option(names = "--train-epochs", defaultValue = "30", description = "Epoch cap of each refit.")
    int trainEpochs;

    @Option(names = "--train-threads", defaultValue = "1", description = "The retrainer's engine threads.")
    int trainThreads;

    @Option(names = "--retrainer-nice", defaultValue = "10", description = "CPU niceness of the retrainer process "
            + "(it runs as its own JVM, as deployed; 0: same priority as the scorer).")
    int retrainerNice;

    @Mixin
    StreamingEngineOptions engine;

    @Mixin
    ModelOptions model;

    private final List<Long> swapTimes = new ArrayList<>();
    private String lastVersion;

    @Override
    public Integer call() throws Exception {
        var err = System.err;
        Map<String, Object> out = new LinkedHashMap<>();
        Devices.setIntraOpThreads(engine.scorerThreads);
        Path dir = Files.createTempDirectory("flowguard-bench-swap");
        Path store = dir.resolve("store");
        FlowSpec spec = model.spec(model.seed);
        Path initial = dir.resolve("initial.fgck");
        err.println("training the initial model ...");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ModelFitter.Fitted f = ModelFitter.fit(BenchCommand.gaussian(20_000, features, 1),
                    BenchCommand.names(features), spec, BenchCommand.plain(),
                    TrainOptions.builder().optMaxEpochs(3).optSeed(1).build(), s -> { }, manager, "bench swap");
            Checkpoints.save(initial, f.flow(), f.manifest());
        }
        String[] topics = {"events", "scores", "alerts", "dead-letters", "model-requests"};
        String control = "model-releases";
        out.put("model", spec.kind().name().toLowerCase(Locale.ROOT) + " " + spec.layers() + "x"
                + spec.hiddenLayers() + "x" + spec.hiddenFeatures());
        out.put("features", features);
        out.put("offered_rate", offeredRate);
        out.put("window_events", windowEvents);
        out.put("scorer_engine_threads", engine.scorerThreads);
        out.put("retrainer_train_threads", trainThreads);
        out.put("retrainer_nice", retrainerNice);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(true)) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(1, topics);
            EmbeddedKafkaBroker.createCompactedTopic(bootstrap, control);
            RetrainerProcess retrainer = RetrainerProcess.start(retrainerArgs(bootstrap, store, initial),
                    retrainerNice, dir.resolve("retrainer.log"));
            try {
                retrainer.awaitStarted(Duration.ofMinutes(2));
                StreamConfig streams = new StreamConfig("bench-swap", bootstrap, topics[0], topics[1], topics[2],
                        topics[3], 512, Duration.ofMillis(10), Duration.ofMillis(100), 1, Duration.ofMillis(25));
                ReleaseLoader loader = new ReleaseLoader(new LocalCheckpointStore(store), null, Device.cpu());
                try (ScoringService service = new ScoringService(streams, Checkpoints.load(initial, Device.cpu()),
                        dir.resolve("state"), new ScoringService.Releases(control, "bench", loader, true));
                        ScoreWatch committed = new ScoreWatch(bootstrap, topics[1], "read_committed", 250_000_000L)) {
                    service.start();
                    while (service.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING) {
                        Thread.sleep(100);
                    }
                    lastVersion = service.servingVersion();
                    AtomicBoolean feeding = new AtomicBoolean(true);
                    AtomicInteger sent = new AtomicInteger();
                    Thread feeder = new Thread(() -> feed(bootstrap, topics[0], feeding, sent), "bench-feeder");
                    feeder.start();
                    err.printf("warm-up: %d s at %,d events/s%n", warmUpSeconds, offeredRate);
                    double baseline = rateOver(service, warmUpSeconds);
                    long measuredFrom = System.nanoTime();
                    long rssStart = StreamBenchCommand.rss();
                    out.put("events_per_second_baseline", Math.round(baseline));
                    retrainer.awaitWindow(windowEvents, Duration.ofMinutes(2));
                    service.metrics().resetBatchMaxima();
                    List<Double> during = new ArrayList<>();
                    List<Double> toServing = new ArrayList<>();
                    List<Double> refitSeconds = new ArrayList<>();
                    List<Long> backlog = new ArrayList<>();
                    for (int r = 0; r < refits; r++) {
                        refit(service, retrainer, bootstrap, during, toServing, refitSeconds, sent, backlog);
                    }
                    forcedSwaps(service, bootstrap, control);
                    feeding.set(false);
                    feeder.join();
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (committed.distinct() < sent.get() && System.nanoTime() < deadline) {
                        watchSwaps(service, 100);
                    }
                    LockSupport.parkNanos(2_000_000_000L);
                    double[] batches = service.metrics().batchMaxima();
                    out.put("swaps", (long) service.metrics().swaps("swapped"));
                    out.put("max_swap_pause_ms", Math.round(batches[0] * 1e4) / 10.0);
                    out.put("max_batch_ms_without_swap", Math.round(batches[1] * 1e4) / 10.0);
                    out.put("max_committed_gap_near_swap_ms", Math.round(maxGapNear(committed) * 10) / 10.0);
                    out.put("max_committed_gap_elsewhere_ms", Math.round(committed.longestGapOutsideMs(
                            measuredFrom, swapTimes, 50_000_000L, 2_000_000_000L) * 10) / 10.0);
                    out.put("sent", sent.get());
                    out.put("lost", committed.missingBelow(sent.get()));
                    out.put("duplicated", committed.duplicates());
                    if (!during.isEmpty()) {
                        out.put("events_per_second_during_refit", during.stream().mapToDouble(Double::doubleValue)
                                .min().getAsDouble());
                    }
                    out.put("events_per_second_during_each_refit", during);
                    out.put("refit_seconds", refitSeconds);
                    out.put("backlog_at_refit_start_and_end", backlog);
                    out.put("trigger_to_serving_seconds", toServing);
                    out.put("rss_start_mb", rssStart >> 20);
                    out.put("rss_end_mb", StreamBenchCommand.rss() >> 20);
                    out.put("retrainer_rss_mb", retrainer.rss() >> 20);
                    out.put("live_models", service.liveModels());
                }
            } finally {
                retrainer.close();
            }
        }
        new Gson().toJson(out, System.out);
        System.out.println();
        return 0;
    }

    /** One requested refit: the scored rate while it trains and the time until the scorer serves its release. */
    private void refit(ScoringService service, RetrainerProcess retrainer, String bootstrap, List<Double> during,
            List<Double> toServing, List<Double> refitSeconds, AtomicInteger sent, List<Long> backlog) {
        String before = service.servingVersion();
        long t0 = System.nanoTime();
        RetrainerProcess.requestRefit(bootstrap, "bench");
        while (!retrainer.refitting() && System.nanoTime() - t0 < 30_000_000_000L) {
            watchSwaps(service, 50);
        }
        double scored = service.metrics().eventsScored();
        backlog.add(sent.get() - (long) scored);
        long from = System.nanoTime();
        while (retrainer.refitting()) {
            watchSwaps(service, 100);
        }
        backlog.add(sent.get() - (long) service.metrics().eventsScored());
        double seconds = (System.nanoTime() - from) / 1e9;
        refitSeconds.add(Math.round(seconds * 10) / 10.0);
        during.add((double) Math.round((service.metrics().eventsScored() - scored) / seconds));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (service.servingVersion().equals(before) && System.nanoTime() < deadline) {
            watchSwaps(service, 5);
        }
        boolean swapped = !service.servingVersion().equals(before);
        toServing.add(swapped ? Math.round((System.nanoTime() - t0) / 1e8) / 10.0 : Double.NaN);
        System.err.printf(Locale.ROOT, "refit: %.1f s, %,.0f events/s scored meanwhile, %s%n", seconds,
                during.get(during.size() - 1), swapped ? "serving " + service.servingVersion() : "not released");
    }

    private List<String> retrainerArgs(String bootstrap, Path store, Path initial) {
        List<String> a = new ArrayList<>(List.of("retrainer", "--bootstrap-servers", bootstrap, "--store",
                store.toString(), "--model-name", "bench", "--initial-checkpoint", initial.toString(),
                "--window-events", String.valueOf(windowEvents), "--min-events",
                String.valueOf(Math.max(50, windowEvents / 2)), "--schedule-seconds", "0", "--min-interval-seconds",
                "0", "--drift-shift", "1000000", "--alert-grace-seconds", "1", "--train-threads",
                String.valueOf(trainThreads), "--epochs", String.valueOf(trainEpochs), "--max-seconds",
                String.valueOf(maxTrainSeconds), "--heavy-tail", "never", "--no-dequantize", "--model", model.model,
                "--metrics-port", String.valueOf(RetrainerProcess.freePort())));
        if (model.layers != null) {
            a.addAll(List.of("--layers", String.valueOf(model.layers)));
        }
        if (model.hidden != null) {
            a.addAll(List.of("--hidden", String.valueOf(model.hidden)));
        }
        return a;
    }

    /** Swaps back and forth between the two newest approved releases. */
    private void forcedSwaps(ScoringService service, String bootstrap, String control) {
        Map<String, ModelRelease> all = ControlTopic.readAll(bootstrap, control, Duration.ofSeconds(30));
        List<ModelRelease> approved = new ArrayList<>();
        all.forEach((k, r) -> {
            if (ReleaseKeys.isHistory(k, "bench") && r.getStatus() != ReleaseStatus.REJECTED
                    && r.getStatus() != ReleaseStatus.CANDIDATE) {
                approved.add(r);
            }
        });
        if (approved.size() < 2) {
            System.err.println("forced swaps: fewer than two approved releases, skipped");
            return;
        }
        try (ControlTopic writer = ControlTopic.oneShot(bootstrap, control)) {
            for (int i = 0; i < forcedSwaps; i++) {
                ModelRelease next = ModelRelease.newBuilder(approved.get(i % 2)).setStatus(ReleaseStatus.APPROVED)
                        .setTrigger("bench").build();
                writer.publish(Map.of(ReleaseKeys.pointer("bench"), next));
                long until = System.nanoTime() + swapIntervalMs * 1_000_000L;
                while (System.nanoTime() < until) {
                    watchSwaps(service, 5);
                }
            }
        }
    }

    private double maxGapNear(ScoreWatch watch) {
        double worst = 0;
        for (long t : swapTimes) {
            worst = Math.max(worst, watch.longestGapMs(t - 50_000_000L, t + 2_000_000_000L));
        }
        return worst;
    }

    /** Polls the serving version for {@code millis}, recording when it changes. */
    private void watchSwaps(ScoringService service, long millis) {
        long until = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < until) {
            String v = service.servingVersion();
            if (!v.equals(lastVersion)) {
                swapTimes.add(System.nanoTime());
                lastVersion = v;
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /** Scored events/s over the last 10 s of {@code seconds} (all of it when shorter). */
    private double rateOver(ScoringService service, int seconds) {
        long measured = Math.min(10, seconds);
        watchSwaps(service, (seconds - measured) * 1000L);
        double from = service.metrics().eventsScored();
        long t = System.nanoTime();
        watchSwaps(service, measured * 1000L);
        return (service.metrics().eventsScored() - from) / ((System.nanoTime() - t) / 1e9);
    }

    private void feed(String bootstrap, String topic, AtomicBoolean feeding, AtomicInteger sent) {
        BenchEvents events = new BenchEvents(new StreamBenchCommand.EventFactory(features, 11), 20_000);
        SplittableRandom entities = new SplittableRandom(5);
        long period = 1_000_000_000L / offeredRate;
        try (EventPublisher producer = new EventPublisher(bootstrap, topic, 0, "none")) {
            long start = System.nanoTime();
            for (int i = 0; feeding.get(); i++) {
                long ahead = start + i * period - System.nanoTime();
                if (ahead > 200_000) {
                    LockSupport.parkNanos(ahead);
                }
                int k = entities.nextInt(events.entities());
                producer.publishRaw(events.key(k), events.event(k, i, System.currentTimeMillis()));
                sent.set(i + 1);
            }
            producer.flush();
        }
    }
}
