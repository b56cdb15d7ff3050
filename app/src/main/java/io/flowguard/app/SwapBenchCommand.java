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
import io.flowguard.retrainer.Retrainer;
import io.flowguard.retrainer.RetrainerConfig;
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

    @Option(names = "--warm-up-seconds", defaultValue = "20", description = "Load before anything is measured.")
    int warmUpSeconds;

    @Option(names = "--max-train-seconds", defaultValue = "120", description = "Training budget of each refit.")
    double maxTrainSeconds;

    @Option(names = "--train-epochs", defaultValue = "30", description = "Epoch cap of each refit.")
    int trainEpochs;

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
        String run = "swap-" + Long.toString(System.currentTimeMillis(), 36);
        String[] topics = {run + "-events", run + "-scores", run + "-alerts", run + "-dead", run + "-requests"};
        String control = run + "-control";
        out.put("model", spec.kind().name().toLowerCase(Locale.ROOT) + " " + spec.layers() + "x"
                + spec.hiddenLayers() + "x" + spec.hiddenFeatures());
        out.put("features", features);
        out.put("offered_rate", offeredRate);
        out.put("window_events", windowEvents);
        out.put("engine_intra_op_threads", engine.scorerThreads);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(true)) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(1, topics);
            EmbeddedKafkaBroker.createCompactedTopic(bootstrap, control);
            RetrainerConfig config = RetrainerConfig.builder(bootstrap, store).modelName("bench")
                    .topics(topics[0], topics[2], topics[1]).controlTopics(control, topics[4])
                    .window(windowEvents, Duration.ZERO).minEvents(Math.max(50, windowEvents / 2))
                    .alertGrace(Duration.ofSeconds(1)).schedule(Duration.ZERO, Duration.ZERO)
                    .drift(4096, 1e6, 1e6, 0, Duration.ofHours(1))
                    .model(spec, BenchCommand.plain(), TrainOptions.builder().optMaxEpochs(trainEpochs)
                            .optMaxSeconds(maxTrainSeconds).optTrimFraction(0.02).optSeed(3).build())
                    .trainThreads(0).initialCheckpoint(initial).build();
            StreamConfig streams = new StreamConfig(run, bootstrap, topics[0], topics[1], topics[2], topics[3], 512,
                    Duration.ofMillis(10), Duration.ofMillis(100), 1, Duration.ofMillis(25));
            ReleaseLoader loader = new ReleaseLoader(new LocalCheckpointStore(store), null, Device.cpu());
            try (Retrainer retrainer = new Retrainer(config)) {
                retrainer.onProgress(line -> err.println("  retrainer: " + line));
                retrainer.start();
                try (ScoringService service = new ScoringService(streams, Checkpoints.load(initial, Device.cpu()),
                        dir.resolve("state"), new ScoringService.Releases(control, "bench", loader, true));
                        ScoreWatch committed = new ScoreWatch(bootstrap, topics[1], "read_committed", Long.MAX_VALUE);
                        ScoreWatch written = new ScoreWatch(bootstrap, topics[1], "read_uncommitted", 15_000_000L)) {
                    service.start();
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
                    List<Double> during = new ArrayList<>();
                    List<Double> toServing = new ArrayList<>();
                    for (int r = 0; r < refits; r++) {
                        refit(service, retrainer, during, toServing);
                    }
                    forcedSwaps(service, bootstrap, control);
                    feeding.set(false);
                    feeder.join();
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (committed.distinct() < sent.get() && System.nanoTime() < deadline) {
                        watchSwaps(service, 100);
                    }
                    LockSupport.parkNanos(2_000_000_000L);
                    double maxPause = 0;
                    for (long s : swapTimes) {
                        maxPause = Math.max(maxPause, written.longestGapMs(s - 50_000_000L, s + 2_000_000_000L));
                    }
                    out.put("swaps", (long) service.metrics().swaps("swapped"));
                    out.put("max_swap_pause_ms", Math.round(maxPause * 10) / 10.0);
                    out.put("max_gap_without_swap_ms", Math.round(written.longestGapOutsideMs(measuredFrom,
                            swapTimes, 50_000_000L, 2_000_000_000L) * 10) / 10.0);
                    out.put("sent", sent.get());
                    out.put("lost", committed.missingBelow(sent.get()));
                    out.put("duplicated", committed.duplicates());
                    out.put("events_per_second_during_refit", during.stream().mapToDouble(Double::doubleValue)
                            .min().orElse(Double.NaN));
                    out.put("trigger_to_serving_seconds", toServing);
                    out.put("rss_start_mb", rssStart >> 20);
                    out.put("rss_end_mb", StreamBenchCommand.rss() >> 20);
                    out.put("live_models", service.liveModels());
                }
            }
        }
        new Gson().toJson(out, System.out);
        System.out.println();
        return 0;
    }

    /** One requested refit: the scored rate while it trains and the time until the scorer serves its release. */
    private void refit(ScoringService service, Retrainer retrainer, List<Double> during, List<Double> toServing) {
        String before = service.servingVersion();
        long t0 = System.nanoTime();
        retrainer.requestRefit();
        while (!retrainer.refitting() && System.nanoTime() - t0 < 30_000_000_000L) {
            watchSwaps(service, 10);
        }
        double scored = service.metrics().eventsScored();
        long from = System.nanoTime();
        while (retrainer.refitting()) {
            watchSwaps(service, 10);
        }
        double seconds = (System.nanoTime() - from) / 1e9;
        during.add((double) Math.round((service.metrics().eventsScored() - scored) / seconds));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (service.servingVersion().equals(before) && System.nanoTime() < deadline) {
            watchSwaps(service, 5);
        }
        boolean swapped = !service.servingVersion().equals(before);
        toServing.add(swapped ? Math.round((System.nanoTime() - t0) / 1e8) / 10.0 : Double.NaN);
        System.err.printf(Locale.ROOT, "refit: %.1f s training, %,.0f events/s scored meanwhile, %s%n", seconds,
                during.get(during.size() - 1), swapped ? "serving " + service.servingVersion() : "not released");
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
