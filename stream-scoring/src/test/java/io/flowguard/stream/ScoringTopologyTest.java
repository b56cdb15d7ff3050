package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.score.Scorer;
import io.flowguard.schemas.DeadLetter;
import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The topology without a broker: batching on size and on the wall-clock deadline, dead letters, model swaps. */
class ScoringTopologyTest {

    static NDManager manager;
    static Scorer first;
    static Scorer second;

    @BeforeAll
    static void model() {
        manager = NDManager.newBaseManager();
        Random random = new Random(5);
        float[] values = new float[2000 * 4];
        for (int i = 0; i < 2000; i++) {
            double[] r = KafkaTestSupport.reading(random);
            for (int j = 0; j < 4; j++) {
                values[i * 4 + j] = (float) r[j];
            }
        }
        Matrix data = new Matrix(2000, 4, values);
        Flow flow = FlowFactory.create(FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(16)
                .optSeed(1).build(), FeatureSchema.fit(data, KafkaTestSupport.NAMES, PreprocessingOptions.defaults()),
                manager);
        Calibration calibration = Calibration.fit(new Scorer(flow, null, "x").score(data).logLikelihoods());
        first = new Scorer(flow, calibration, "v1");
        second = new Scorer(flow, calibration, "v2");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private record Harness(TopologyTestDriver driver, TestInputTopic<byte[], byte[]> events,
            TestOutputTopic<byte[], byte[]> scores, TestOutputTopic<byte[], byte[]> dead,
            ModelSlot slot) implements AutoCloseable {
        @Override
        public void close() {
            driver.close();
        }
    }

    private static Harness harness(int batchSize, Duration maxLatency) {
        StreamConfig config = StreamConfig.defaults("unused:9092").withBatching(batchSize, maxLatency);
        ModelSlot slot = new ModelSlot(first, null);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        TopologyTestDriver driver = new TopologyTestDriver(ScoringTopology.build(config,
                new BatchScorer(slot, AlertPolicy.defaults()), new StreamMetrics()), props);
        return new Harness(driver,
                driver.createInputTopic("events", new ByteArraySerializer(), new ByteArraySerializer()),
                driver.createOutputTopic("scores", new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                driver.createOutputTopic("dead-letters", new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                slot);
    }

    private static void pipe(Harness h, int from, int to) {
        Random random = new Random(from);
        for (int i = from; i < to; i++) {
            h.events().pipeInput(("k" + i).getBytes(StandardCharsets.UTF_8), KafkaTestSupport.encode(
                    KafkaTestSupport.event("e" + i, "k" + i, KafkaTestSupport.reading(random))));
        }
    }

    private static List<ScoreResult> scores(Harness h) {
        WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
        return h.scores().readValuesToList().stream().map(codec::decode).toList();
    }

    /** An alert names the spiked feature first, by its conditional tail given the others, with its z. */
    @Test
    void anAlertNamesTheSpikedFeatureFirstWithItsConditionalZ() {
        Random random = new Random(9);
        int n = 8;
        float[] rows = new float[n * 4];
        List<EventIdentity> events = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] r = KafkaTestSupport.reading(random);
            for (int j = 0; j < 4; j++) {
                rows[i * 4 + j] = (float) r[j];
            }
            events.add(new EventIdentity("e" + i, "k", java.time.Instant.EPOCH, java.util.Map.of()));
        }
        rows[3 * 4 + 1] += 25; // event 3: flow far off
        List<ScoredOutcome> out = new BatchScorer(new ModelSlot(first, null), AlertPolicy.defaults())
                .score(first, events, rows, null);
        io.flowguard.schemas.Alert alert = out.get(3).alert();
        assertTrue(alert != null, "no alert for the spike");
        assertEquals("flow", alert.getTopFeatures().get(0).getName(), alert.toString());
        assertTrue(alert.getTopFeatures().get(0).getZ() > 5, alert.toString());
        assertEquals(3, alert.getTopFeatures().size());
    }

    /** A burst that flags every event gets attributions for the budget's worth, the largest margins first. */
    @Test
    void aBurstOfAlertsIsAttributedUpToTheBudgetLargestMarginsFirst() {
        Random random = new Random(10);
        int n = BatchScorer.ATTRIBUTED_PER_BATCH + 36;
        float[] rows = new float[n * 4];
        List<EventIdentity> events = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] r = KafkaTestSupport.reading(random);
            for (int j = 0; j < 4; j++) {
                rows[i * 4 + j] = (float) r[j];
            }
            rows[i * 4 + 1] += 20 + (i == n - 1 ? 200 : 0); // every event far off; the last one farthest
            events.add(new EventIdentity("e" + i, "k" + i, java.time.Instant.EPOCH, java.util.Map.of()));
        }
        List<ScoredOutcome> out = new BatchScorer(new ModelSlot(first, null), AlertPolicy.defaults())
                .score(first, events, rows, null);
        long alerts = out.stream().filter(o -> o.alert() != null).count();
        long attributed = out.stream().filter(o -> o.alert() != null && !o.alert().getTopFeatures().isEmpty()).count();
        assertEquals(n, alerts);
        assertEquals(BatchScorer.ATTRIBUTED_PER_BATCH, attributed);
        assertEquals("flow", out.get(n - 1).alert().getTopFeatures().get(0).getName(), "the largest margin first");
    }

    @Test
    void aBatchIsScoredWhenItIsFull() {
        try (Harness h = harness(4, Duration.ofHours(1))) {
            pipe(h, 0, 3);
            assertTrue(h.scores().isEmpty());
            pipe(h, 3, 4);
            List<ScoreResult> out = scores(h);
            assertEquals(List.of("e0", "e1", "e2", "e3"), out.stream().map(ScoreResult::getEventId).toList());
            assertEquals("k2", out.get(2).getKey());
        }
    }

    /**
     * What a restarted scorer restores from: after each commit the changelog of the pending-events store holds
     * every event still waiting for its batch, under its slot and tagged with the batch generation, and a scored
     * batch moves the generation on. (The test driver also checkpoints at every commit, which a real exactly-once
     * scorer does not: that the writes come with the commit itself is shown by {@code ExactlyOnceCrashIT}.)
     */
    @Test
    void waitingEventsReachTheChangelogInEveryCommit() {
        try (Harness h = harness(4, Duration.ofHours(1))) {
            TestOutputTopic<Long, byte[]> changelog = h.driver().createOutputTopic(
                    "topology-test-" + ScoringProcessor.STORE + "-changelog", new LongDeserializer(),
                    new ByteArrayDeserializer());
            WireCodec<io.flowguard.schemas.Event> codec = WireCodec.of(io.flowguard.schemas.Event.class);
            pipe(h, 0, 3);
            List<KeyValue<Long, byte[]>> logged = changelog.readKeyValuesToList();
            assertEquals(List.of(0L, 1L, 2L), logged.stream().map(kv -> kv.key).toList());
            for (KeyValue<Long, byte[]> kv : logged) {
                Pending p = Pending.read(kv.key, kv.value, codec);
                assertEquals(0, p.generation());
                assertEquals("e" + kv.key, p.identity().eventId());
            }
            // e3 fills the batch, which is scored before the commit (never logged: it did not wait across one);
            // the commit after e4 writes generation 1 and e4 in its slot 0.
            pipe(h, 3, 5);
            assertEquals(4, scores(h).size());
            logged = changelog.readKeyValuesToList();
            assertEquals(List.of(PendingEventsStore.GENERATION, 0L), logged.stream().map(kv -> kv.key).toList());
            assertEquals(1, java.nio.ByteBuffer.wrap(logged.get(0).value).getLong());
            assertEquals("e4", Pending.read(0, logged.get(1).value, codec).identity().eventId());
            assertEquals(1, Pending.read(0, logged.get(1).value, codec).generation());
        }
    }

    @Test
    void aPartialBatchIsScoredAtItsDeadline() {
        try (Harness h = harness(100, Duration.ofMillis(20))) {
            pipe(h, 0, 2);
            h.driver().advanceWallClockTime(Duration.ofMillis(5));
            assertTrue(h.scores().isEmpty());
            h.driver().advanceWallClockTime(Duration.ofMillis(20));
            assertEquals(2, scores(h).size());
        }
    }

    @Test
    void badRecordsBecomeDeadLettersAndTheStreamGoesOn() {
        try (Harness h = harness(3, Duration.ofHours(1))) {
            h.events().pipeInput("k".getBytes(), new byte[] {1, 2, 3});
            h.events().pipeInput("k".getBytes(), KafkaTestSupport.encode(
                    KafkaTestSupport.event("short", "k", new double[] {1, 2})));
            pipe(h, 0, 2);
            List<DeadLetter> dead = h.dead().readValuesToList().stream()
                    .map(WireCodec.of(DeadLetter.class)::decode).toList();
            assertEquals(List.of(DeadLetterReason.MALFORMED, DeadLetterReason.WRONG_FEATURES),
                    dead.stream().map(DeadLetter::getReason).toList());
            assertEquals(0, dead.get(0).getOffset());
            assertEquals(1, dead.get(1).getOffset());
            assertEquals(2, scores(h).size());
        }
    }

    @Test
    void aSwappedModelScoresFromTheNextBatchOn() {
        try (Harness h = harness(2, Duration.ofHours(1))) {
            pipe(h, 0, 3);
            h.slot().swap(second, null);
            pipe(h, 3, 4);
            List<ScoreResult> out = scores(h);
            assertEquals(List.of("v1", "v1", "v2", "v2"), out.stream().map(ScoreResult::getModelVersion).toList());
        }
    }
}
