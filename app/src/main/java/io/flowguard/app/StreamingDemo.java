package io.flowguard.app;

import ai.djl.Device;
import io.flowguard.ingest.EventPublisher;
import io.flowguard.ingest.synthetic.PumpStationFleet;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.retrainer.Retrainer;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.ScoringService;
import io.flowguard.stream.StreamConfig;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The streaming half of the demo: a real broker (embedded KRaft unless given), the pump-station fleet generator
 * with injected anomalies and a few malformed records, the exactly-once Kafka Streams scorer with the model the
 * demo just trained, a read_committed alert consumer, a live console line and a recall summary at the end.
 */
final class StreamingDemo {

    private static final String[] TOPICS = {"events", "scores", "alerts", "dead-letters", "model-requests"};
    private static final String CONTROL = "model-releases";

    private final PrintStream o = System.out;
    private final AtomicBoolean stop = new AtomicBoolean();
    /** Event ids of this run start with it, so that alerts of earlier runs on a shared cluster do not count. */
    private final String prefix = "demo-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    private final Map<String, AtomicLong> sentByKind = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> alertsByKind = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> alertsByReason = new ConcurrentHashMap<>();
    /** Normal events sent and alerted, by phase: 0 before the season change, 1 after it, 2 after the refit swap. */
    private final List<Map<String, AtomicLong>> sentByPhase = List.of(new ConcurrentHashMap<>(),
            new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    private final List<Map<String, AtomicLong>> alertedByPhase = List.of(new ConcurrentHashMap<>(),
            new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    /** First event index of phases 1 and 2. */
    private final long[] phaseStart = {Long.MAX_VALUE, Long.MAX_VALUE};
    private DemoSeason season;
    private volatile double startNanos;

    void run(String bootstrapServers, Path checkpoint, double rate, double seconds, int stations, double anomalyRate,
            long seed, int metricsPort, DemoSeason season) throws Exception {
        this.season = season;
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "flowguard-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        EmbeddedKafkaBroker broker = null;
        try {
            if (bootstrapServers == null) {
                o.println("starting an embedded Apache Kafka broker (KRaft, loopback, temporary data) ...");
                broker = EmbeddedKafkaBroker.start();
                bootstrapServers = broker.bootstrapServers();
            }
            EmbeddedKafkaBroker.createTopics(bootstrapServers, 2, TOPICS);
            EmbeddedKafkaBroker.createCompactedTopic(bootstrapServers, CONTROL);
            o.printf("kafka   %s, topics %s, %s (compacted)%n", bootstrapServers, String.join(", ", TOPICS), CONTROL);
            stream(bootstrapServers, checkpoint, rate, seconds, stations, anomalyRate, seed, metricsPort);
        } finally {
            if (broker != null) {
                broker.close();
            }
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and waits for us
            }
        }
    }

    private void stream(String bootstrap, Path checkpoint, double rate, double seconds, int stations,
            double anomalyRate, long seed, int metricsPort) throws Exception {
        Path state = Files.createTempDirectory("flowguard-demo-state");
        String run = Long.toString(System.currentTimeMillis(), 36);
        StreamConfig config = StreamConfig.defaults(bootstrap).withApplicationId("flowguard-demo-" + run);
        String modelName = "pump-stations-" + run;
        Path store = checkpoint.toAbsolutePath().getParent().resolve("models");
        Retrainer retrainer = null;
        if (season.retrain()) {
            retrainer = new Retrainer(season.retrainer(bootstrap, store, modelName, checkpoint, stations));
            retrainer.onProgress(line -> o.printf(Locale.ROOT, "%5.0f s  retrainer: %s%n", elapsed(), line));
            retrainer.start();
            o.printf("retrain %s released as %s; the retrainer watches the scores for drift (store %s)%n",
                    checkpoint.getFileName(), retrainer.servingVersion(), store);
        }
        ReleaseLoader loader = new ReleaseLoader(new LocalCheckpointStore(store), null, Device.cpu());
        try (Retrainer closing = retrainer; // closed last: the scorer may still be loading its release
                ScoringService service = new ScoringService(config, Checkpoints.load(checkpoint, Device.cpu()), state,
                        season.retrain() ? new ScoringService.Releases(CONTROL, modelName, loader, true) : null);
                HTTPServer metrics = service.metrics().serve("127.0.0.1", metricsPort)) {
            service.start();
            o.printf("scorer  Kafka Streams, exactly_once_v2, batches of %d or %d ms, model %s%s%n",
                    config.batchSize(), config.maxLatency().toMillis(), service.servingVersion(),
                    season.retrain() ? ", following releases on " + CONTROL : "");
            o.printf("metrics http://127.0.0.1:%d/metrics%n", metrics.getPort());
            o.printf("traffic %d pump stations at %,.0f events/s for %s; %.1f%% injected anomalies%s; Ctrl-C stops%n%n",
                    stations, rate, seconds > 0 ? String.format(Locale.ROOT, "%.0f s", seconds) : "ever",
                    100 * anomalyRate, season.atSeconds() >= 0 ? String.format(Locale.ROOT, "; at %.0f s the season"
                            + " changes (ambient %+.0f C)", season.atSeconds(), season.celsius()) : "");
            Thread alerts = new Thread(() -> consumeAlerts(bootstrap), "flowguard-demo-alerts");
            alerts.setDaemon(true);
            alerts.start();
            long sent = produce(bootstrap, service, retrainer, rate, seconds, stations, anomalyRate, seed);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (service.metrics().eventsScored() < sent && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            summary(service, sent);
            if (closing != null) {
                o.printf(Locale.ROOT, "%nretrainer: %.0f drift refits approved, %.0f rejected; serving %s%n",
                        closing.metrics().refits("drift", "approved"), closing.metrics().refits("drift", "rejected"),
                        closing.servingVersion());
            }
        }
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private long produce(String bootstrap, ScoringService service, Retrainer retrainer, double rate, double seconds,
            int stations, double anomalyRate, long seed) {
        PumpStationFleet fleet = new PumpStationFleet(stations, seed, anomalyRate, prefix);
        long start = System.nanoTime();
        startNanos = start;
        String firstVersion = service.servingVersion();
        String lastVersion = firstVersion;
        long lastNormal = 0;
        long lastNormalAlerts = 0;
        long nextLine = start + 2_000_000_000L;
        long good = 0;
        long bad = 0;
        double lastScored = 0;
        long lastTime = start;
        try (EventPublisher publisher = new EventPublisher(bootstrap, "events", rate)) {
            while (!stop.get() && (seconds <= 0 || System.nanoTime() - start < seconds * 1e9)) {
                if (phaseStart[0] == Long.MAX_VALUE && season.atSeconds() >= 0
                        && System.nanoTime() - start >= season.atSeconds() * 1e9) {
                    fleet.season(season.celsius());
                    phaseStart[0] = good;
                    o.printf(Locale.ROOT, "%5.0f s  season change: ambient temperature %+.0f C at every station "
                            + "(normal behaviour shifts; nothing is injected)%n", elapsed(), season.celsius());
                }
                Event e = fleet.next(Instant.now());
                publisher.publish(e);
                String kind = e.getContext().get("injected");
                sentByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                sentByPhase.get(phase(good)).computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                good++;
                if (good % 5000 == 0) {
                    publisher.publishRaw(e.getKey(), "{\"not\": \"avro\"}".getBytes());
                    Map<String, Double> broken = new java.util.HashMap<>(e.getFeatures());
                    broken.put("pressure_bar", Double.NaN);
                    publisher.publish(Event.newBuilder(e).setEventId(e.getEventId() + "-nan").setFeatures(broken)
                            .build());
                    bad += 2;
                }
                long now = System.nanoTime();
                String version = service.servingVersion();
                if (!version.equals(lastVersion)) {
                    o.printf(Locale.ROOT, "%5.0f s  scorer: swapped model %s -> %s between two batches%n",
                            elapsed(), lastVersion, version);
                    lastVersion = version;
                    if (phaseStart[0] != Long.MAX_VALUE && phaseStart[1] == Long.MAX_VALUE) {
                        phaseStart[1] = good;
                    }
                }
                if (now >= nextLine) {
                    double scored = service.metrics().eventsScored();
                    long normal = sentByKind.getOrDefault("NORMAL", new AtomicLong()).get();
                    long normalAlerts = alertsByKind.getOrDefault("NORMAL", new AtomicLong()).get();
                    o.printf(Locale.ROOT, "%5.0f s  sent %,9d  scored %,9d  %,6.0f ev/s  model %.8s  false alarms "
                            + "%5.1f/10k  drift %4.2f  alerts %s  dead letters %,d%n", (now - start) / 1e9,
                            good + bad, (long) scored, (scored - lastScored) / ((now - lastTime) / 1e9), version,
                            1e4 * (normalAlerts - lastNormalAlerts) / Math.max(1, normal - lastNormal),
                            retrainer == null ? 0.0 : retrainer.metrics().driftScore(), new TreeMap<>(alertsByReason),
                            (long) (service.metrics().deadLettered("MALFORMED")
                                    + service.metrics().deadLettered("NON_FINITE")));
                    lastNormal = normal;
                    lastNormalAlerts = normalAlerts;
                    lastScored = scored;
                    lastTime = now;
                    nextLine = now + 2_000_000_000L;
                }
            }
        }
        return good;
    }

    private void consumeAlerts(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "flowguard-demo-alert-view-" + System.nanoTime());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        WireCodec<Alert> codec = WireCodec.of(Alert.class);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("alerts"));
            while (true) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Alert a = codec.decode(r.value());
                    if (!a.getEventId().startsWith(prefix)) {
                        continue;
                    }
                    alertsByReason.computeIfAbsent(a.getReason().name(), k -> new AtomicLong()).incrementAndGet();
                    String kind = a.getContext().getOrDefault("injected", "?");
                    alertsByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                    alertedByPhase.get(phase(Long.parseLong(a.getEventId().substring(prefix.length()))))
                            .computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException | IllegalStateException stopped) {
            // the JVM is shutting down
        }
    }

    /** The phase of the event with index {@code i}: before the season change, after it, after the refit's swap. */
    private int phase(long i) {
        return i >= phaseStart[1] ? 2 : i >= phaseStart[0] ? 1 : 0;
    }

    private void summary(ScoringService service, long sent) {
        o.printf(Locale.ROOT, "%nscored %,.0f of %,d events; dead letters: %,.0f malformed, %,.0f "
                + "non-finite%n%n", service.metrics().eventsScored(), sent, service.metrics().deadLettered("MALFORMED"),
                service.metrics().deadLettered("NON_FINITE"));
        o.printf("%-20s %9s %9s %8s%n", "injected", "events", "alerted", "rate");
        new TreeMap<>(sentByKind).forEach((kind, n) -> {
            long alerted = alertsByKind.getOrDefault(kind, new AtomicLong()).get();
            o.printf(Locale.ROOT, "%-20s %,9d %,9d %7.1f%%%s%n", kind.toLowerCase(Locale.ROOT).replace('_', ' '),
                    n.get(), alerted, 100.0 * alerted / Math.max(1, n.get()),
                    kind.equals("NORMAL") ? String.format(Locale.ROOT, "  (%.1f false alarms per 10,000)",
                            1e4 * alerted / Math.max(1, n.get())) : "");
        });
        o.printf("%nalerts by reason: %s (stuck stations sit at the mode: the HIGH_DENSITY_ATYPICAL guard catches "
                + "them, a low-density threshold cannot)%n", new TreeMap<>(alertsByReason));
        if (phaseStart[0] != Long.MAX_VALUE) {
            o.printf("%n%-20s %27s %27s %27s%n", "alerted, by phase", "before the season change",
                    "after it, old model", "after the refit's swap");
            new TreeMap<>(sentByKind).forEach((kind, n) -> {
                StringBuilder line = new StringBuilder(String.format("%-20s",
                        kind.toLowerCase(Locale.ROOT).replace('_', ' ')));
                for (int p = 0; p < 3; p++) {
                    long events = sentByPhase.get(p).getOrDefault(kind, new AtomicLong()).get();
                    long alerted = alertedByPhase.get(p).getOrDefault(kind, new AtomicLong()).get();
                    line.append(String.format(Locale.ROOT, " %,9d of %,9d %6.1f%%", alerted, events,
                            events == 0 ? 0.0 : 100.0 * alerted / events));
                }
                o.println(line);
            });
            o.printf("false alarms per 10,000 normal events (policy target 1):");
            for (int p = 0; p < 3; p++) {
                long events = sentByPhase.get(p).getOrDefault("NORMAL", new AtomicLong()).get();
                long alerted = alertedByPhase.get(p).getOrDefault("NORMAL", new AtomicLong()).get();
                o.printf(Locale.ROOT, " %s %.1f", p == 0 ? "before" : p == 1 ? "/ old model" : "/ after the swap",
                        events == 0 ? 0.0 : 1e4 * alerted / events);
            }
            o.println();
        }
    }
}
