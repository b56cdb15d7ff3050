package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.ingest.EventPublisher;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.score.Scorer;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.ScoringService;
import io.flowguard.stream.StreamConfig;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * End-to-end streaming benchmark through a real broker (embedded KRaft unless {@code --bootstrap-servers}):
 * (0) warm-up at the offered rate until the JIT has compiled the hot paths of scorer, clients and broker (not
 * measured); (1) throughput: a producer offers events at a fixed rate (or as fast as it can) from a pool of
 * pre-encoded events while the Kafka Streams scorer (exactly-once) scores them; the scored rate after the first
 * seconds and the backlog when the producer stops say whether the scorer sustains the rate; (2) latency: events
 * are offered at a fixed rate and a read_committed consumer of the scores topic measures produce-to-committed-score
 * time (a read_uncommitted one, when the score was written); the first seconds are reported apart. The latency
 * phase doubles as a soak: heap and RSS are reported at its start and end.
 */
@Command(name = "stream", description = "End-to-end events/s and latency through a real Kafka broker; the last "
        + "stdout line is JSON.")
final class StreamBenchCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", description = "Use this cluster instead of an embedded broker.")
    String bootstrapServers;

    @Option(names = "--offered-rate", defaultValue = "50000", description = "Events/s the producer offers in the "
            + "warm-up and throughput phases; 0: as fast as it can.")
    int offeredRate;

    @Option(names = "--throughput-seconds", defaultValue = "30", description = "Length of the throughput phase.")
    int throughputSeconds;

    @Option(names = "--features", defaultValue = "32", description = "Event dimension d.")
    int features;

    @Option(names = "--warm-up-seconds", defaultValue = "60", description = "Warm-up at the offered rate "
            + "before the throughput phase, then drained (JIT compilation of scorer, clients and broker; not "
            + "measured).")
    int warmUpSeconds;

    @Option(names = "--rate", defaultValue = "10000", description = "Offered events/s in the latency phase.")
    int rate;

    @Option(names = "--latency-seconds", defaultValue = "30", description = "Length of the latency/soak phase.")
    int latencySeconds;

    @Option(names = "--scoring-batch", defaultValue = "512", description = "Events per scoring batch.")
    int batchSize;

    @Option(names = "--max-latency-ms", defaultValue = "10", description = "Batch deadline (ms).")
    int maxLatencyMs;

    @Option(names = "--light-load-commit-ms", defaultValue = "25", description = "Commit this often when batches "
            + "leave on their deadline less than half full (0: at the commit interval only).")
    int lightLoadCommitMs;

    @Option(names = "--commit-interval-ms", defaultValue = "100", description = "Exactly-once commit interval (ms).")
    int commitIntervalMs;

    @Option(names = "--latency-warm-up-seconds", defaultValue = "10", description = "Seconds at the start of the "
            + "latency phase left out of p50/p99 (the JIT compiles its paths; p99 with them is reported apart).")
    int latencyWarmUpSeconds;

    @Option(names = "--latency-csv", description = "Write each latency-phase event's send offset and latencies "
            + "(committed, written) in microseconds to this CSV file.")
    Path latencyCsv;

    @Option(names = "--partitions", defaultValue = "1", description = "Partitions of the events topic.")
    int partitions;

    @Option(names = "--threads", defaultValue = "1", description = "Kafka Streams threads of the scorer.")
    int threads;

    @Mixin
    StreamingEngineOptions engine;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        var err = System.err;
        if (latencyCsv != null) {
            OutputFiles.check(latencyCsv, "latency CSV");
        }
        EmbeddedKafkaBroker broker = null;
        if (bootstrapServers == null) {
            err.println("starting an embedded Kafka broker (KRaft) ...");
            broker = EmbeddedKafkaBroker.start(true);
            bootstrapServers = broker.bootstrapServers();
        }
        String run = "bench-" + Long.toString(System.currentTimeMillis(), 36);
        Path state = Files.createTempDirectory("flowguard-bench-state");
        try (NDManager manager = NDManager.newBaseManager(Devices.select(model.device))) {
            int engineThreads = Devices.setIntraOpThreads(engine.scorerThreads);
            err.printf("engine intra-op threads %d (was %d)%n", engine.scorerThreads, engineThreads);
            FlowSpec spec = model.spec(model.seed);
            Matrix data = BenchCommand.gaussian(20000, features, 1);
            Flow flow = FlowFactory.create(spec, FeatureSchema.fit(data, BenchCommand.names(features),
                    BenchCommand.plain()), manager);
            Scorer untrained = new Scorer(flow, null, "bench");
            Scorer scorer = new Scorer(flow, Calibration.fit(untrained.score(data).logLikelihoods()), "bench");
            String[] topics = {run + "-events", run + "-scores", run + "-alerts", run + "-dead"};
            if (broker != null) {
                broker.createTopics(partitions, topics);
            }
            StreamConfig config = new StreamConfig(run, bootstrapServers, topics[0], topics[1], topics[2], topics[3],
                    batchSize, Duration.ofMillis(maxLatencyMs), Duration.ofMillis(commitIntervalMs), threads,
                    Duration.ofMillis(lightLoadCommitMs));
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", spec.kind().name().toLowerCase(Locale.ROOT) + " " + spec.layers() + "x"
                    + spec.hiddenLayers() + "x" + spec.hiddenFeatures());
            out.put("features", features);
            out.put("batch_size", batchSize);
            out.put("max_latency_ms", maxLatencyMs);
            out.put("commit_interval_ms", commitIntervalMs);
            out.put("light_load_commit_ms", lightLoadCommitMs);
            out.put("partitions", partitions);
            out.put("stream_threads", threads);
            out.put("engine_intra_op_threads", engine.scorerThreads);
            out.put("processing_guarantee", "exactly_once_v2");
            try (ScoringService service = new ScoringService(config, scorer, state);
                    EventPublisher producer = new EventPublisher(bootstrapServers, topics[0], 0, "none")) {
                service.start();
                awaitRunning(service);
                throughput(service, producer, out);
                latency(service, producer, topics[1], out);
            }
            new Gson().toJson(out, System.out);
            System.out.println();
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return 0;
    }

    private void throughput(ScoringService service, EventPublisher producer, Map<String, Object> out)
            throws InterruptedException {
        var err = System.err;
        // The load generator should cost the shared cores as little as possible (as Kafka's producer perf tool
        // sends one payload): events are encoded once into a pool and sent round-robin.
        EventFactory factory = new EventFactory(features, 7);
        WireCodec<Event> codec = WireCodec.of(Event.class);
        int poolSize = 50_000;
        byte[][] keys = new byte[poolSize][];
        byte[][] values = new byte[poolSize][];
        Instant now = Instant.now();
        for (int i = 0; i < poolSize; i++) {
            Event e = factory.next("t" + i, now.plusMillis(i));
            keys[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
            values[i] = codec.encode(e);
        }
        if (warmUpSeconds > 0) {
            double base = service.metrics().eventsScored();
            long start = System.nanoTime();
            long sent = feed(producer, keys, values, offeredRate, start + warmUpSeconds * 1_000_000_000L, service,
                    "warm-up");
            double rate = drain(service, base, sent, start);
            err.printf(Locale.ROOT, "warm-up: %,d events in %.1f s with the drain (%,.0f events/s while the JIT "
                    + "compiles)%n", sent, (System.nanoTime() - start) / 1e9, rate);
            out.put("warm_up_seconds", warmUpSeconds);
            out.put("warm_up_events_per_second", Math.round(rate));
        }
        if (throughputSeconds <= 0) {
            return;
        }
        double base = service.metrics().eventsScored();
        long start = System.nanoTime();
        long end = start + throughputSeconds * 1_000_000_000L;
        AtomicLong sent = new AtomicLong(-1);
        Thread feeder = new Thread(() -> sent.set(feed(producer, keys, values, offeredRate, end, service, null)),
                "bench-producer");
        feeder.start();
        // scored counts once a second; the rate is taken after the first seconds (the producer's ramp)
        int skip = Math.min(5, throughputSeconds / 5);
        double[] scoredAt = new double[throughputSeconds + 1];
        for (int s = 1; s <= throughputSeconds; s++) {
            LockSupport.parkNanos(start + s * 1_000_000_000L - System.nanoTime());
            scoredAt[s] = service.metrics().eventsScored() - base;
            requireRunning(service);
            if (s % 5 == 0) {
                err.printf(Locale.ROOT, "  throughput: %,.0f events/s scored in the last 5 s (%d of %d s)%n",
                        (scoredAt[s] - scoredAt[s - 5]) / 5, s, throughputSeconds);
            }
        }
        feeder.join();
        double rate = (scoredAt[throughputSeconds] - scoredAt[skip]) / (throughputSeconds - skip);
        double offered = sent.get() / ((System.nanoTime() - start) / 1e9);
        long backlog = Math.round(sent.get() - scoredAt[throughputSeconds]);
        long drainStart = System.nanoTime();
        drain(service, base, sent.get(), start);
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        err.printf(Locale.ROOT, "throughput: offered %,.0f events/s for %d s (%s), scored %,.0f events/s from second %d "
                + "on; %,d events waiting when the producer stopped (%.1f s to drain)%n", offered, throughputSeconds,
                offeredRate > 0 ? "paced" : "as fast as the producer can", rate, skip, backlog, drainSeconds);
        streamsReport(service, "throughput");
        out.put("offered_rate_limit", offeredRate);
        out.put("throughput_seconds", throughputSeconds);
        out.put("throughput_offered_events_per_second", Math.round(offered));
        out.put("events", sent.get());
        out.put("events_per_second", Math.round(rate));
        out.put("backlog_at_end", backlog);
        out.put("drain_seconds", Math.round(drainSeconds * 10) / 10.0);
    }

    /**
     * Sends pool events at {@code rate} per second (0: as fast as the producer takes them) until {@code untilNanos};
     * returns how many were sent.
     */
    private static long feed(EventPublisher producer, byte[][] keys, byte[][] values, int rate, long untilNanos,
            ScoringService service, String phase) {
        long start = System.nanoTime();
        long period = rate > 0 ? 1_000_000_000L / rate : 0;
        long nextReport = start + 5_000_000_000L;
        double reported = service.metrics().eventsScored();
        long i = 0;
        for (;; i++) {
            if ((i & 63) == 0) {
                long t = System.nanoTime();
                if (t > untilNanos) {
                    break;
                }
                long ahead = start + i * period - t;
                if (period > 0 && ahead > 200_000) {
                    LockSupport.parkNanos(ahead);
                }
                if (phase != null && t > nextReport) {
                    double scored = service.metrics().eventsScored();
                    System.err.printf(Locale.ROOT, "  %s: %,.0f events/s scored in the last 5 s%n", phase,
                            (scored - reported) / 5.0);
                    reported = scored;
                    nextReport += 5_000_000_000L;
                }
            }
            int k = (int) (i % keys.length);
            producer.publishRaw(keys[k], values[k]);
        }
        producer.flush();
        return i;
    }

    /** Waits until {@code sent} more events than {@code base} are scored; returns events/s since {@code start}. */
    private static double drain(ScoringService service, double base, long sent, long start) {
        while (service.metrics().eventsScored() - base < sent) {
            requireRunning(service);
            LockSupport.parkNanos(5_000_000);
        }
        return sent / ((System.nanoTime() - start) / 1e9);
    }

    /** Kafka Streams' thread metrics and the producer's transaction timings, one stderr line (diagnostics). */
    private static void streamsReport(ScoringService service, String phase) {
        Map<String, Double> m = new java.util.TreeMap<>();
        for (var e : service.streamsMetrics().entrySet()) {
            var name = e.getKey();
            String g = name.group();
            boolean wanted = g.equals("stream-thread-metrics") && (name.name().endsWith("-latency-avg")
                    || name.name().endsWith("-latency-max") || name.name().endsWith("-ratio"))
                    || g.equals("producer-metrics") && name.name().startsWith("txn-")
                    || g.equals("producer-metrics") && (name.name().equals("record-queue-time-avg")
                    || name.name().equals("request-latency-avg") || name.name().equals("batch-size-avg")
                    || name.name().equals("records-per-request-avg"))
                    || g.equals("consumer-fetch-manager-metrics") && name.tags().size() == 1
                    && (name.name().equals("fetch-latency-avg") || name.name().equals("records-per-request-avg"));
            Object v = e.getValue().metricValue();
            if (wanted && v instanceof Number n && !Double.isNaN(n.doubleValue())) {
                m.merge(g.substring(0, g.indexOf('-')) + "." + name.name(), n.doubleValue(), Math::max);
            }
        }
        StringBuilder line = new StringBuilder("  kafka streams (" + phase + "):");
        m.forEach((k, v) -> line.append(String.format(Locale.ROOT, " %s=%.3g", k, v)));
        System.err.println(line);
    }

    private static void requireRunning(ScoringService service) {
        if (service.state() != KafkaStreams.State.RUNNING && service.state() != KafkaStreams.State.REBALANCING) {
            throw new IllegalStateException("scorer stopped: " + service.state());
        }
    }

    private void latency(ScoringService service, EventPublisher producer, String scoresTopic, Map<String, Object> out) throws IOException {
        var err = System.err;
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapStart = rt.totalMemory() - rt.freeMemory();
        long rssStart = rss();
        AtomicBoolean done = new AtomicBoolean();
        int total = rate * latencySeconds;
        AtomicLongArray sentNanos = new AtomicLongArray(total);
        long[] latencyMicros = new long[total];
        AtomicInteger received = new AtomicInteger();
        // read_committed: what a consumer of the scores sees; read_uncommitted (diagnostic): when the scorer wrote
        // the score, before its transaction committed
        Thread reader = reader(scoresTopic, "read_committed", done, sentNanos, latencyMicros, received);
        long[] writtenMicros = new long[total];
        Thread uncommitted = reader(scoresTopic, "read_uncommitted", done, sentNanos, writtenMicros,
                new AtomicInteger());
        uncommitted.start();
        reader.start();
        LockSupport.parkNanos(3_000_000_000L);
        BenchEvents events = new BenchEvents(new EventFactory(features, 11), 1000);
        SplittableRandom entities = new SplittableRandom(11);
        long start = System.nanoTime();
        long period = 1_000_000_000L / rate;
        for (int i = 0; i < total; i++) {
            long due = start + i * period;
            long wait = due - System.nanoTime();
            if (wait > 1_000_000) { // wake up once a millisecond and send what is due (10 events at 10,000/s)
                LockSupport.parkNanos(wait);
            }
            int entity = entities.nextInt(events.entities());
            byte[] event = events.event(entity, i, System.currentTimeMillis());
            sentNanos.set(i, System.nanoTime());
            producer.publishRaw(events.key(entity), event);
            if (i > 0 && i % (rate * 10) == 0) {
                err.printf(Locale.ROOT, "  latency/soak: %,d of %,d offered, heap %,d MB, RSS %,d MB%n", i, total,
                        (rt.totalMemory() - rt.freeMemory()) >> 20, rss() >> 20);
            }
        }
        double offered = total / ((System.nanoTime() - start) / 1e9);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (received.get() < total && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000_000);
        }
        done.set(true);
        try {
            reader.join(10_000);
            uncommitted.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.gc();
        long heapEnd = rt.totalMemory() - rt.freeMemory();
        long rssEnd = rss();
        int n = received.get();
        int warmUp = Math.min(total / 2, rate * latencyWarmUpSeconds);
        long[] sorted = Arrays.stream(latencyMicros, warmUp, total).filter(v -> v > 0).sorted().toArray();
        double p99All = Arrays.stream(latencyMicros).filter(v -> v > 0).sorted().skip((long) (n * 0.99)).findFirst()
                .orElse(0) / 1000.0;
        n = sorted.length;
        double p50 = n == 0 ? Double.NaN : sorted[n / 2] / 1000.0;
        double p99 = n == 0 ? Double.NaN : sorted[Math.min(n - 1, (int) (n * 0.99))] / 1000.0;
        double max = n == 0 ? Double.NaN : sorted[n - 1] / 1000.0;
        err.printf(Locale.ROOT, "latency at %,.0f events/s offered for %d s: %,d of %,d scored; after the first %,d: "
                + "p50 %.1f ms, p99 %.1f ms, max %.1f ms (p99 of all %.1f ms); heap %,d -> %,d MB, RSS %,d -> %,d MB%n",
                offered, latencySeconds, received.get(), total, warmUp, p50, p99, max, p99All, heapStart >> 20,
                heapEnd >> 20, rssStart >> 20, rssEnd >> 20);
        if (latencyCsv != null) {
            StringBuilder csv = new StringBuilder("event,sent_us,committed_us,written_us\n");
            for (int i = 0; i < total; i++) {
                csv.append(i).append(',').append(i * period / 1000).append(',').append(latencyMicros[i]).append(',')
                        .append(writtenMicros[i]).append('\n');
            }
            OutputFiles.write(latencyCsv, "latency CSV", w -> w.append(csv));
        }
        long[] written = Arrays.stream(writtenMicros, warmUp, total).filter(v -> v > 0).sorted().toArray();
        double writtenP50 = written.length == 0 ? Double.NaN : written[written.length / 2] / 1000.0;
        double writtenP99 = written.length == 0 ? Double.NaN
                : written[Math.min(written.length - 1, (int) (written.length * 0.99))] / 1000.0;
        err.printf(Locale.ROOT, "  scores written (read_uncommitted, before the commit): p50 %.1f ms, p99 %.1f ms%n",
                writtenP50, writtenP99);
        streamsReport(service, "latency");
        out.put("offered_events_per_second", Math.round(offered));
        out.put("latency_events", received.get());
        out.put("latency_events_lost", total - received.get());
        out.put("p50_ms", p50);
        out.put("p99_ms", p99);
        out.put("max_ms", max);
        out.put("p50_ms_written_uncommitted", writtenP50);
        out.put("p99_ms_written_uncommitted", writtenP99);
        out.put("latency_warm_up_events", warmUp);
        out.put("p99_ms_including_warm_up", p99All);
        out.put("soak_seconds", latencySeconds);
        out.put("heap_mb_start", heapStart >> 20);
        out.put("heap_mb_end", heapEnd >> 20);
        out.put("rss_mb_start", rssStart >> 20);
        out.put("rss_mb_end", rssEnd >> 20);
    }

    /** Gaussian events with named features and random keys from 1,000 entities. */
    static final class EventFactory {
        private final String[] names;
        private final SplittableRandom random;

        EventFactory(int d, long seed) {
            this.names = BenchCommand.names(d);
            this.random = new SplittableRandom(seed);
        }

        Event next(String id, Instant time) {
            return next(id, time, random.nextInt(1000));
        }

        Event next(String id, Instant time, int entity) {
            Map<String, Double> f = new HashMap<>(names.length * 2);
            for (String name : names) {
                f.put(name, random.nextGaussian());
            }
            String key = "entity-" + entity;
            return Event.newBuilder().setEventId(id).setKey(key).setSource("bench").setEventTime(time)
                    .setFeatures(f).build();
        }
    }

    private static void awaitRunning(ScoringService service) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (service.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("scorer did not reach RUNNING: " + service.state());
            }
            Thread.sleep(100);
        }
    }

    /** Records, per latency-phase event, the time from its send to its score arriving at this consumer. */
    private Thread reader(String topic, String isolation, AtomicBoolean done, AtomicLongArray sentNanos,
            long[] latencyMicros, AtomicInteger received) {
        return new Thread(() -> {
            try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, isolation)) {
                consumer.subscribe(List.of(topic));
                while (!done.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        int i = BenchEvents.eventNumber(r.value());
                        if (i >= 0 && i < latencyMicros.length) {
                            if (latencyMicros[i] == 0) {
                                received.incrementAndGet();
                                latencyMicros[i] = Math.max(1, (now - sentNanos.get(i)) / 1000);
                            }
                        }
                    }
                }
            }
        }, "bench-latency-" + isolation);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-latency-" + System.nanoTime());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100); // returns as soon as there is data
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not on Linux: report 0
        }
        return 0;
    }
}
