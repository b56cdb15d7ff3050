package io.flowguard.app;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.flink.FlinkJobConfig;
import io.flowguard.flink.FlinkScoringJob;
import io.flowguard.ingest.EventPublisher;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.stream.ScoringService;
import io.flowguard.stream.StreamConfig;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flowguard bench flink}: the Flink job (local MiniCluster, one slot per parallel instance) and the Kafka
 * Streams scorer (one stream thread per parallel instance), one after the other on their own topics of one embedded
 * broker, on the same paced load and model: each is started, warmed up at the offered rate, then measured: scored
 * events/s (distinct event numbers in read_committed output, {@link ScoreWatch}) and per-event latency from the send
 * to the committed score's arrival (p50/p99). Last stdout line: JSON with one object per engine.
 */
@Command(name = "flink", description = "Flink job vs Kafka Streams scorer on the same paced load through the "
        + "embedded broker: events/s and send-to-committed-score latency per engine. Last stdout line: JSON.")
final class FlinkBenchCommand implements Callable<Integer> {

    @Option(names = "--offered-rate", defaultValue = "10000", description = "Events/s offered.")
    int offeredRate;

    @Option(names = "--seconds", defaultValue = "30", description = "Measured seconds per engine.")
    int seconds;

    @Option(names = "--warm-up-seconds", defaultValue = "15", description = "Load before the measurement, per "
            + "engine (start-up, JIT; not measured).")
    int warmUpSeconds;

    @Option(names = "--parallelism", defaultValue = "1", description = "Flink parallelism (task slots) and Kafka "
            + "Streams threads.")
    int parallelism;

    @Option(names = "--partitions", description = "Partitions of the events topic (default: the parallelism).")
    Integer partitions;

    @Option(names = "--checkpoint-interval-ms", defaultValue = "1000", description = "Flink checkpoint interval "
            + "(its scores become visible to read_committed readers then).")
    long checkpointIntervalMs;

    @Option(names = "--commit-interval-ms", defaultValue = "100", description = "Kafka Streams commit interval.")
    int commitIntervalMs;

    @Option(names = "--features", defaultValue = "32", description = "Event dimension d.")
    int features;

    @Option(names = "--engines", defaultValue = "kafka_streams,flink", split = ",",
            description = "Engines to measure, in order.")
    List<String> engines;

    @Mixin
    StreamingEngineOptions engine;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() throws Exception {
        var err = System.err;
        int parts = partitions == null ? parallelism : partitions;
        Devices.setIntraOpThreads(engine.scorerThreads);
        Path dir = Files.createTempDirectory("flowguard-bench-flink");
        Path checkpoint = dir.resolve("model.fgck");
        FlowSpec spec = model.spec(model.seed);
        err.println("training the model (2 epochs) ...");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            ModelFitter.Fitted f = ModelFitter.fit(BenchCommand.gaussian(20_000, features, 1),
                    BenchCommand.names(features), spec, BenchCommand.plain(),
                    TrainOptions.builder().optMaxEpochs(2).optSeed(1).build(), s -> { }, manager, "bench flink");
            Checkpoints.save(checkpoint, f.flow(), f.manifest());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", spec.kind().name().toLowerCase(Locale.ROOT) + " " + spec.layers() + "x"
                + spec.hiddenLayers() + "x" + spec.hiddenFeatures());
        out.put("features", features);
        out.put("parallelism", parallelism);
        out.put("partitions", parts);
        out.put("offered_rate", offeredRate);
        out.put("warm_up_seconds", warmUpSeconds);
        out.put("seconds", seconds);
        out.put("engine_intra_op_threads", engine.scorerThreads);
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("flink_checkpoint_interval_ms", checkpointIntervalMs);
        out.put("kafka_streams_commit_interval_ms", commitIntervalMs);
        BenchEvents events = new BenchEvents(new StreamBenchCommand.EventFactory(features, 11), 1000);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(true)) {
            String bootstrap = broker.bootstrapServers();
            for (String name : engines) {
                String run = name.replace('_', '-') + "-" + Long.toString(System.currentTimeMillis(), 36);
                String[] topics = {run + "-events", run + "-scores", run + "-alerts", run + "-dead"};
                broker.createTopics(parts, topics);
                err.printf(Locale.ROOT, "%s: parallelism %d, %d partitions, %,d events/s offered%n", name,
                        parallelism, parts, offeredRate);
                AutoCloseable stop = switch (name) {
                    case "kafka_streams" -> startStreams(bootstrap, topics, checkpoint, dir.resolve("state-" + run));
                    case "flink" -> startFlink(bootstrap, topics, checkpoint, run);
                    default -> throw new UserError("--engines: kafka_streams or flink, not " + name);
                };
                try {
                    out.put(name, measure(bootstrap, topics, events, name));
                } finally {
                    stop.close();
                }
            }
        }
        new Gson().toJson(out, System.out);
        System.out.println();
        System.out.flush();
        return 0;
    }

    private AutoCloseable startStreams(String bootstrap, String[] topics, Path checkpoint, Path state)
            throws InterruptedException {
        StreamConfig config = new StreamConfig(topics[0].replace("-events", ""), bootstrap, topics[0], topics[1],
                topics[2], topics[3], 512, Duration.ofMillis(10), Duration.ofMillis(commitIntervalMs), parallelism,
                Duration.ofMillis(25));
        ScoringService service = new ScoringService(config, Checkpoints.load(checkpoint, Device.cpu()), state, null);
        service.start();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (service.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > deadline) {
                service.close();
                throw new IllegalStateException("scorer did not reach RUNNING: " + service.state());
            }
            Thread.sleep(100);
        }
        return service;
    }

    private AutoCloseable startFlink(String bootstrap, String[] topics, Path checkpoint, String run)
            throws Exception {
        FlinkJobConfig defaults = FlinkJobConfig.defaults(bootstrap, checkpoint.toAbsolutePath().toString());
        FlinkJobConfig config = defaults.withTopics(topics[0], topics[1], topics[2], topics[3],
                        defaults.controlTopic())
                .withIds(run + "-group", run + "-tx").withParallelism(parallelism)
                .withBatching(defaults.batchSize(), defaults.maxLatency(), Duration.ofMillis(checkpointIntervalMs))
                .withReleases("bench", null, null).withDevice("cpu");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism,
                FlinkScoringJob.localConfiguration());
        JobClient job = FlinkScoringJob.start(env, config);
        System.err.printf("flink job %s started%n", job.getJobID());
        return () -> job.cancel().get(60, TimeUnit.SECONDS);
    }

    /** Warm-up, then {@code seconds} measured: scored events/s and send-to-committed-score latency. */
    private Map<String, Object> measure(String bootstrap, String[] topics, BenchEvents events, String name) {
        var err = System.err;
        int warm = offeredRate * warmUpSeconds;
        int total = warm + offeredRate * seconds;
        AtomicLongArray sentNanos = new AtomicLongArray(total);
        AtomicLongArray arrivedNanos = new AtomicLongArray(total);
        AtomicBoolean done = new AtomicBoolean();
        Thread reader = arrivals(bootstrap, topics[1], done, arrivedNanos);
        reader.start();
        Map<String, Object> r = new LinkedHashMap<>();
        long rssStart = StreamBenchCommand.rss();
        try (ScoreWatch committed = new ScoreWatch(bootstrap, topics[1], "read_committed", Long.MAX_VALUE);
                EventPublisher producer = new EventPublisher(bootstrap, topics[0], 0, "none")) {
            SplittableRandom entities = new SplittableRandom(11);
            send(producer, events, entities, sentNanos, 0, warm);
            producer.flush();
            long drainStart = System.nanoTime();
            long drainDeadline = drainStart + 120_000_000_000L;
            while (committed.distinct() < warm && System.nanoTime() < drainDeadline) {
                LockSupport.parkNanos(20_000_000);
            }
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            err.printf(Locale.ROOT, "  %s: warm-up done, %,d of %,d scored after a %.1f s drain; measuring %d s%n",
                    name, committed.distinct(), warm, drainSeconds, seconds);
            r.put("warm_up_drain_seconds", Math.round(drainSeconds * 10) / 10.0);
            long measuredFrom = System.nanoTime();
            long scoredFrom = committed.distinct();
            send(producer, events, entities, sentNanos, warm, total);
            long scoredTo = committed.distinct();
            double measured = (System.nanoTime() - measuredFrom) / 1e9;
            double offered = (total - warm) / measured;
            producer.flush();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (committed.distinct() < total && System.nanoTime() < deadline) {
                LockSupport.parkNanos(50_000_000);
            }
            LockSupport.parkNanos(500_000_000);
            done.set(true);
            try {
                reader.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            long[] latencyMicros = new long[total - warm];
            int n = 0;
            for (int i = warm; i < total; i++) {
                long a = arrivedNanos.get(i);
                if (a != 0) {
                    latencyMicros[n++] = Math.max(1, (a - sentNanos.get(i)) / 1000);
                }
            }
            long[] sorted = Arrays.copyOf(latencyMicros, n);
            Arrays.sort(sorted);
            double p50 = n == 0 ? Double.NaN : sorted[n / 2] / 1000.0;
            double p99 = n == 0 ? Double.NaN : sorted[Math.min(n - 1, (int) (n * 0.99))] / 1000.0;
            double max = n == 0 ? Double.NaN : sorted[n - 1] / 1000.0;
            double eventsPerSecond = (scoredTo - scoredFrom) / measured;
            err.printf(Locale.ROOT, "  %s: offered %,.0f events/s, scored %,.0f events/s over %d s; latency p50 %.1f "
                    + "ms, p99 %.1f ms, max %.1f ms; %,d of %,d scored in all, %,d duplicated, backlog at the end "
                    + "of the load %,d%n", name, offered, eventsPerSecond, seconds, p50, p99, max, committed.distinct(),
                    total, committed.duplicates(), total - scoredTo);
            r.put("events_per_second", Math.round(eventsPerSecond));
            r.put("offered_events_per_second", Math.round(offered));
            r.put("p50_ms", p50);
            r.put("p99_ms", p99);
            r.put("max_ms", max);
            r.put("backlog_at_end_of_load", total - scoredTo);
            r.put("sent", total);
            r.put("lost", committed.missingBelow(total));
            r.put("duplicated", committed.duplicates());
            r.put("rss_mb_start", rssStart >> 20);
            r.put("rss_mb_end", StreamBenchCommand.rss() >> 20);
        }
        return r;
    }

    /** Sends events {@code from} to {@code to} at the offered rate, recording each one's send time. */
    private void send(EventPublisher producer, BenchEvents events, SplittableRandom entities,
            AtomicLongArray sentNanos, int from, int to) {
        long period = 1_000_000_000L / offeredRate;
        long start = System.nanoTime();
        for (int i = from; i < to; i++) {
            long wait = start + (i - from) * period - System.nanoTime();
            if (wait > 1_000_000) { // wake up once a millisecond and send what is due
                LockSupport.parkNanos(wait);
            }
            int entity = entities.nextInt(events.entities());
            byte[] event = events.event(entity, i, System.currentTimeMillis());
            sentNanos.set(i, System.nanoTime());
            producer.publishRaw(events.key(entity), event);
        }
    }

    /** A read_committed reader of the scores topic: when each numbered event's score first arrived. */
    private static Thread arrivals(String bootstrap, String topic, AtomicBoolean done, AtomicLongArray arrived) {
        Thread t = new Thread(() -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                while (!done.get()) {
                    for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(50))) {
                        long now = System.nanoTime();
                        int i = BenchEvents.eventNumber(rec.value());
                        if (i >= 0 && i < arrived.length() && arrived.get(i) == 0) {
                            arrived.set(i, now);
                        }
                    }
                }
            }
        }, "bench-flink-arrivals");
        t.setDaemon(true);
        return t;
    }
}
