package io.flowguard.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.StoredCheckpoint;
import io.flowguard.schemas.DeadLetter;
import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flink job on a MiniCluster (one TaskManager, two slots) against a real KRaft broker: exactly the good events
 * scored once each in read_committed output and the bad ones dead-lettered with their reason; a failure injected
 * after some checkpoints restores and loses and repeats nothing; a release on the control topic is served by both
 * parallel instances. Each test stops its job once the expected output has arrived.
 */
class FlinkScoringJobIT {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static EmbeddedKafkaBroker broker;
    @TempDir
    static Path dir;
    static Path modelA;
    static Path modelB;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        modelA = FlinkTestSupport.trainModel(dir, "a.fgck", 1);
        modelB = FlinkTestSupport.trainModel(dir, "b.fgck", 5);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static FlinkJobConfig config(String prefix, int parallelism) {
        broker.createTopics(2, prefix + "-events", prefix + "-scores", prefix + "-alerts", prefix + "-dead");
        return FlinkJobConfig.defaults(broker.bootstrapServers(), modelA.toString())
                .withTopics(prefix + "-events", prefix + "-scores", prefix + "-alerts", prefix + "-dead",
                        prefix + "-releases")
                .withIds(prefix + "-group", prefix + "-tx").withParallelism(parallelism)
                .withBatching(128, Duration.ofMillis(10), Duration.ofMillis(300)).withDevice("cpu");
    }

    private static StreamExecutionEnvironment env() {
        return StreamExecutionEnvironment.getExecutionEnvironment(FlinkScoringJob.localConfiguration());
    }

    private static void cancel(JobClient job) throws Exception {
        job.cancel().get(60, TimeUnit.SECONDS);
    }

    @Test
    void scoresEveryGoodEventOnceAndDeadLettersTheBadOnes() throws Exception {
        FlinkJobConfig config = config("f1", 2);
        int good = 2000;
        Map<DeadLetterReason, Integer> bad = new EnumMap<>(DeadLetterReason.class);
        Random random = new Random(7);
        try (KafkaProducer<byte[], byte[]> producer = FlinkTestSupport.producer(broker.bootstrapServers())) {
            for (int i = 0; i < good; i++) {
                String key = "sensor-" + (i % 20);
                FlinkTestSupport.send(producer, config.eventsTopic(), key,
                        FlinkTestSupport.event("e" + i, key, FlinkTestSupport.reading(random)));
                if (i % 250 == 0) {
                    FlinkTestSupport.send(producer, config.eventsTopic(), key, "not avro at all".getBytes());
                    bad.merge(DeadLetterReason.MALFORMED, 1, Integer::sum);
                    double[] nan = FlinkTestSupport.reading(random);
                    nan[2] = Double.NaN;
                    FlinkTestSupport.send(producer, config.eventsTopic(), key,
                            FlinkTestSupport.event("nan" + i, key, nan));
                    bad.merge(DeadLetterReason.NON_FINITE, 1, Integer::sum);
                    FlinkTestSupport.send(producer, config.eventsTopic(), key,
                            FlinkTestSupport.event("short" + i, key, new double[] {1, 2, 3}));
                    bad.merge(DeadLetterReason.WRONG_FEATURES, 1, Integer::sum);
                    FlinkTestSupport.send(producer, config.eventsTopic(), key, FlinkTestSupport.unknownSchema());
                    bad.merge(DeadLetterReason.UNKNOWN_SCHEMA, 1, Integer::sum);
                }
            }
        }
        int badTotal = bad.values().stream().mapToInt(Integer::intValue).sum();
        StreamExecutionEnvironment env = env();
        JobClient job = FlinkScoringJob.start(env, config);
        try {
            List<ConsumerRecord<byte[], byte[]>> scores = FlinkTestSupport.drain(broker.bootstrapServers(),
                    config.scoresTopic(), good, Duration.ofSeconds(90), Duration.ofSeconds(3));
            List<ConsumerRecord<byte[], byte[]>> dead = FlinkTestSupport.drain(broker.bootstrapServers(),
                    config.deadLettersTopic(), badTotal, Duration.ofSeconds(30), Duration.ofSeconds(1));
            String version = Checkpoints.version(modelA);
            Set<String> ids = new HashSet<>();
            WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
            for (ConsumerRecord<byte[], byte[]> r : scores) {
                ScoreResult s = codec.decode(r.value());
                assertTrue(ids.add(s.getEventId()), "scored twice: " + s.getEventId());
                assertEquals(s.getKey(), new String(r.key()));
                assertEquals(version, s.getModelVersion());
            }
            assertEquals(good, scores.size());
            Map<DeadLetterReason, Integer> byReason = new EnumMap<>(DeadLetterReason.class);
            WireCodec<DeadLetter> deadCodec = WireCodec.of(DeadLetter.class);
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                DeadLetter d = deadCodec.decode(r.value());
                byReason.merge(d.getReason(), 1, Integer::sum);
                assertEquals(config.eventsTopic(), d.getTopic());
                assertTrue(d.getOffset() >= 0 && d.getPayload().remaining() > 0, d.toString());
            }
            assertEquals(bad, byReason);
            System.out.printf("flink: %d scores, %d dead letters, exactly once%n", scores.size(), dead.size());
        } finally {
            cancel(job);
        }
    }

    /** Throws once, on its first record after two checkpoints have completed and 500 records went through it. */
    static final class FailOnce implements MapFunction<KafkaRecord, KafkaRecord>, CheckpointListener {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean FAILED = new AtomicBoolean();
        static final AtomicInteger CHECKPOINTS = new AtomicInteger();
        static final AtomicInteger SEEN = new AtomicInteger();

        @Override
        public KafkaRecord map(KafkaRecord r) {
            if (SEEN.incrementAndGet() > 500 && CHECKPOINTS.get() >= 2 && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure after " + CHECKPOINTS.get() + " checkpoints");
            }
            return r;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    @Test
    void restoresFromTheCheckpointAfterAFailureLosingAndRepeatingNothing() throws Exception {
        FlinkJobConfig config = config("f2", 2);
        int total = 3000;
        StreamExecutionEnvironment env = env();
        FlinkScoringJob.build(env, config, s -> s.map(new FailOnce()).name("fail-once"));
        JobClient job = env.executeAsync("fail once");
        Thread producer = new Thread(() -> {
            Random random = new Random(11);
            try (KafkaProducer<byte[], byte[]> p = FlinkTestSupport.producer(broker.bootstrapServers())) {
                for (int i = 0; i < total; i++) {
                    String key = "pump-" + (i % 16);
                    FlinkTestSupport.send(p, config.eventsTopic(), key,
                            FlinkTestSupport.event("e" + i, key, FlinkTestSupport.reading(random)));
                    if (i % 50 == 49) {
                        Thread.sleep(50); // ~1,000 events/s: the failure lands mid-stream
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        try {
            List<ConsumerRecord<byte[], byte[]>> scores = FlinkTestSupport.drain(broker.bootstrapServers(),
                    config.scoresTopic(), total, Duration.ofSeconds(100), Duration.ofSeconds(3));
            assertTrue(FailOnce.FAILED.get(), "the failure was never injected");
            Set<String> ids = new HashSet<>();
            WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
            for (ConsumerRecord<byte[], byte[]> r : scores) {
                assertTrue(ids.add(codec.decode(r.value()).getEventId()), "scored twice");
            }
            assertEquals(total, scores.size(), "lost " + (total - ids.size()));
            System.out.printf("flink failure: %d scores, restarted after %d checkpoint notifications, none lost or repeated%n",
                    scores.size(), FailOnce.CHECKPOINTS.get());
        } finally {
            producer.join(30_000);
            cancel(job);
        }
    }

    @Test
    void everyParallelInstanceServesAPublishedRelease() throws Exception {
        Path storeDir = Files.createDirectories(dir.resolve("store"));
        LocalCheckpointStore store = new LocalCheckpointStore(storeDir);
        StoredCheckpoint b = store.put(Files.readAllBytes(modelB));
        String control = "f3-releases";
        EmbeddedKafkaBroker.createCompactedTopic(broker.bootstrapServers(), control);
        FlinkJobConfig config = config("f3", 2).withReleases("m", storeDir.toString(), null);
        String versionA = Checkpoints.version(modelA);
        StreamExecutionEnvironment env = env();
        JobClient job = FlinkScoringJob.start(env, config);
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            Random random = new Random(3);
            try (KafkaProducer<byte[], byte[]> p = FlinkTestSupport.producer(broker.bootstrapServers())) {
                for (int i = 0; sending.get(); i++) {
                    String key = "valve-" + (i % 16);
                    FlinkTestSupport.send(p, config.eventsTopic(), key,
                            FlinkTestSupport.event("e" + i, key, FlinkTestSupport.reading(random)));
                    if (i % 20 == 19) {
                        Thread.sleep(20);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        Map<String, String> lastVersion = new HashMap<>();
        Set<Integer> servedB = new HashSet<>();
        boolean published = false;
        WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
        try (KafkaConsumer<byte[], byte[]> scores = FlinkTestSupport.committedReader(broker.bootstrapServers(),
                config.scoresTopic())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (servedB.size() < 2 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : scores.poll(Duration.ofMillis(200))) {
                    ScoreResult s = codec.decode(r.value());
                    String v = s.getModelVersion();
                    String before = lastVersion.put(s.getKey(), v);
                    assertTrue(v.equals(versionA) || v.equals(b.version()), v);
                    assertTrue(!(v.equals(versionA) && b.version().equals(before)), "key " + s.getKey()
                            + " went back from the release to the initial model");
                    if (v.equals(b.version())) {
                        servedB.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(s.getKey(), 128, 2));
                    }
                }
                if (!published && lastVersion.size() >= 8) {
                    try (KafkaProducer<byte[], byte[]> p = FlinkTestSupport.producer(broker.bootstrapServers())) {
                        FlinkTestSupport.send(p, control, "m", WireCodec.of(ModelRelease.class).encode(
                                ModelRelease.newBuilder().setModelName("m").setVersion(b.version())
                                        .setModelKind("MAF").setCheckpointUri(b.uri()).setSha256(b.sha256())
                                        .setCreatedAt(Instant.now()).setFeatureNames(List.of(FlinkTestSupport.NAMES))
                                        .setStatus(ReleaseStatus.APPROVED).setTrigger("test").build()));
                    }
                    published = true;
                }
            }
        } finally {
            sending.set(false);
            producer.join(30_000);
            cancel(job);
        }
        assertTrue(published, "no score arrived before the release");
        assertEquals(Set.of(0, 1), servedB, "instances that served release " + b.version());
        System.out.printf("flink release: both instances serve %s%n", b.version());
    }
}
