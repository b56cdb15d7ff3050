package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.model.checkpoint.ReleaseSigner;
import io.flowguard.model.checkpoint.ReleaseVerifier;
import io.flowguard.model.checkpoint.StoredCheckpoint;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.retrainer.ControlTopic;
import io.flowguard.retrainer.ReleaseKeys;
import io.flowguard.retrainer.Retrainer;
import io.flowguard.retrainer.RetrainerConfig;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.Verdict;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.ScoringService;
import io.flowguard.stream.StreamConfig;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The living model on a real KRaft broker: hot swaps under load with nothing lost or repeated, refused releases
 * that leave the old model serving, and the retrainer noticing a season change, refitting, passing the gate,
 * releasing, and the scorer's false-alarm rate coming back to its target.
 */
class LivingModelIT {

    private static EmbeddedKafkaBroker broker;
    @TempDir
    static Path dir;
    private static Path key;
    private static Path pub;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        key = dir.resolve("keys/release.key");
        pub = dir.resolve("keys/release.pub");
        ReleaseSigner.generateKeyPair(key, pub);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static StreamConfig streams(String p) {
        return new StreamConfig(p + "-scorer", broker.bootstrapServers(), p + "-events", p + "-scores", p + "-alerts",
                p + "-dead", 256, Duration.ofMillis(20), Duration.ofMillis(100), 1, Duration.ofMillis(25));
    }

    private static ModelRelease approved(StoredCheckpoint c, String model, boolean sign) {
        ModelRelease.Builder b = ModelRelease.newBuilder().setModelName(model).setVersion(c.version())
                .setModelKind("MAF").setCheckpointUri(c.uri()).setSha256(c.sha256()).setCreatedAt(Instant.now())
                .setFeatureNames(List.of(LivingModelSupport.NAMES)).setStatus(ReleaseStatus.APPROVED)
                .setTrigger("test");
        if (sign) {
            b.setSignature(ByteBuffer.wrap(ReleaseSigner.load(key).sign(model, c.sha256())));
        }
        return b.build();
    }

    /** Half of {@code c}'s bytes, stored under the version of those bytes (a store would refuse to put them). */
    private static StoredCheckpoint truncated(LocalCheckpointStore store, StoredCheckpoint c) throws Exception {
        byte[] full = store.read(c.uri());
        byte[] half = java.util.Arrays.copyOf(full, full.length / 2);
        String sha = io.flowguard.model.checkpoint.CheckpointIdentity.sha256Hex(half);
        String version = io.flowguard.model.checkpoint.CheckpointIdentity.version(sha);
        Path file = store.dir().resolve(version + ".fgck");
        Files.write(file, half);
        return new StoredCheckpoint(version, sha, file.toUri().toString(), half.length, Instant.now());
    }

    /** Model a with its feature 'vibration' renamed 'humidity': valid, but not the stream's features. */
    private static StoredCheckpoint renamedFeature(LocalCheckpointStore store) throws Exception {
        Path renamed = dir.resolve("renamed.fgck");
        CheckpointBytes.rewriteManifest(dir.resolve("a.fgck"), renamed, json -> json.replace("\"vibration\"",
                "\"humidity\""));
        return store.put(Files.readAllBytes(renamed));
    }

    @Test
    void everyEventIsScoredOnceAcrossSixSwapsAndBadReleasesAreRefused() throws Exception {
        String p = "swaps";
        broker.createTopics(2, p + "-events", p + "-scores", p + "-alerts", p + "-dead");
        EmbeddedKafkaBroker.createCompactedTopic(broker.bootstrapServers(), p + "-control");
        LocalCheckpointStore store = new LocalCheckpointStore(dir.resolve(p + "-store"));
        StoredCheckpoint a = store.put(Files.readAllBytes(LivingModelSupport.trainModel(dir.resolve("a.fgck"), 1,
                false)));
        StoredCheckpoint b = store.put(Files.readAllBytes(LivingModelSupport.trainModel(dir.resolve("b.fgck"), 2,
                false)));
        assertNotEquals(a.version(), b.version());
        List<ModelRelease> plan = new ArrayList<>();
        ModelRelease good = approved(b, "m", true);
        plan.add(good);
        plan.add(ModelRelease.newBuilder(good).setVersion("0000000000000000")
                .setCheckpointUri(dir.resolve("missing.fgck").toUri().toString()).build()); // missing file
        plan.add(approved(a, "m", true));
        plan.add(ModelRelease.newBuilder(good).setSha256(a.sha256()).build()); // checksum mismatch
        plan.add(approved(b, "m", true));
        plan.add(approved(a, "m", false)); // unsigned
        plan.add(approved(a, "m", true));
        plan.add(approved(truncated(store, b), "m", true)); // signed, checksum right, does not decode
        plan.add(approved(b, "m", true));
        plan.add(approved(renamedFeature(store), "m", true)); // a valid checkpoint of other features
        plan.add(approved(a, "m", true));
        List<String> expected = List.of(a.version(), b.version(), a.version(), b.version(), a.version(),
                b.version(), a.version());

        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Thread producer = new Thread(() -> {
            Random random = new Random(3);
            try (KafkaProducer<byte[], byte[]> out = LivingModelSupport.producer(broker.bootstrapServers())) {
                long start = System.nanoTime();
                for (int i = 0; sending.get(); i++) {
                    String k = "sensor-" + (i % 20);
                    LivingModelSupport.send(out, p + "-events", LivingModelSupport.event("e" + i, k,
                            LivingModelSupport.reading(random, false)));
                    sent.incrementAndGet();
                    long due = start + (long) (i * 1e9 / 1500);
                    while (System.nanoTime() < due) {
                        Thread.onSpinWait();
                    }
                }
            }
        });
        ReleaseLoader loader = new ReleaseLoader(store, ReleaseVerifier.load(pub), Device.cpu());
        try (ScoringService service = new ScoringService(streams(p), Checkpoints.load(dir.resolve("a.fgck"),
                Device.cpu()), dir.resolve(p + "-state"), new ScoringService.Releases(p + "-control", "m", loader,
                        true));
                ControlTopic control = ControlTopic.oneShot(broker.bootstrapServers(), p + "-control")) {
            assertEquals(a.version(), service.servingVersion());
            service.start();
            producer.start();
            while (service.metrics().eventsScored() < 1000) {
                Thread.sleep(50); // the first model scores something before the first swap
            }
            for (ModelRelease r : plan) {
                control.publish(Map.of(ReleaseKeys.pointer("m"), r));
                Thread.sleep(1300);
            }
            Thread.sleep(3000); // the last model scores something too
            sending.set(false);
            producer.join();
            int events = sent.get();
            List<ConsumerRecord<byte[], byte[]>> scores = LivingModelSupport.drain(broker.bootstrapServers(),
                    p + "-scores", events, Duration.ofSeconds(120), Duration.ofSeconds(2));
            WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
            Set<String> seen = new HashSet<>();
            Map<Integer, List<String>> versions = new HashMap<>();
            Map<String, String> versionOf = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : scores) {
                ScoreResult s = codec.decode(r.value());
                assertTrue(seen.add(s.getEventId()), "scored twice: " + s.getEventId());
                versionOf.put(s.getEventId(), s.getModelVersion());
                List<String> seq = versions.computeIfAbsent(r.partition(), k -> new ArrayList<>());
                if (seq.isEmpty() || !seq.get(seq.size() - 1).equals(s.getModelVersion())) {
                    seq.add(s.getModelVersion());
                }
            }
            assertEquals(events, seen.size(), "every event scored exactly once");
            for (Map.Entry<Integer, List<String>> e : versions.entrySet()) {
                assertEquals(expected, e.getValue(), "versions in partition " + e.getKey());
            }
            WireCodec<Alert> alerts = WireCodec.of(Alert.class);
            for (ConsumerRecord<byte[], byte[]> r : LivingModelSupport.drain(broker.bootstrapServers(),
                    p + "-alerts", 0, Duration.ofSeconds(3), Duration.ofSeconds(1))) {
                Alert alert = alerts.decode(r.value());
                assertEquals(versionOf.get(alert.getEventId()), alert.getModelVersion(), "alert names its version");
            }
            assertEquals(6, service.metrics().swaps("swapped"));
            assertEquals(1, service.metrics().swaps("refused_missing"));
            assertEquals(1, service.metrics().swaps("refused_checksum"));
            assertEquals(1, service.metrics().swaps("refused_signature"));
            assertEquals(1, service.metrics().swaps("refused_corrupt"));
            assertEquals(1, service.metrics().swaps("refused_features"));
            assertEquals(1, service.liveModels(), "replaced models are freed");
            System.out.printf("swaps: %d events scored once each across 6 swaps; versions per partition %s%n",
                    seen.size(), versions.values().iterator().next().size());
        }
    }

    @Test
    void aSeasonChangeIsDetectedRefittedReleasedAndTheFalseAlarmRateRecovers() throws Exception {
        String p = "season";
        broker.createTopics(2, p + "-events", p + "-scores", p + "-alerts", p + "-dead", p + "-requests");
        EmbeddedKafkaBroker.createCompactedTopic(broker.bootstrapServers(), p + "-control");
        Path initial = LivingModelSupport.trainModel(dir.resolve("season-initial.fgck"), 5, false);
        AlertPolicy policy = new AlertPolicy(1e-2, AlertPolicy.Rule.GUARDED);
        RetrainerConfig config = RetrainerConfig.builder(broker.bootstrapServers(), dir.resolve(p + "-store"))
                .modelName("pumps").topics(p + "-events", p + "-alerts", p + "-scores")
                .controlTopics(p + "-control", p + "-requests").window(3000, Duration.ZERO)
                .alertGrace(Duration.ofSeconds(1)).schedule(Duration.ZERO, Duration.ofSeconds(10))
                .drift(1000, 0.5, 1.5, 0, Duration.ofSeconds(3)).minEvents(2000)
                .model(LivingModelSupport.SPEC, io.flowguard.model.flow.PreprocessingOptions.defaults(),
                        LivingModelSupport.quickTraining(7))
                .policy(policy).signingKey(key).initialCheckpoint(initial).trainThreads(0).build();
        AtomicBoolean shifted = new AtomicBoolean();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        Thread producer = new Thread(() -> {
            Random random = new Random(11);
            try (KafkaProducer<byte[], byte[]> out = LivingModelSupport.producer(broker.bootstrapServers())) {
                long start = System.nanoTime();
                for (int i = 0; sending.get(); i++) {
                    String k = "station-" + (i % 20);
                    LivingModelSupport.send(out, p + "-events", LivingModelSupport.event("s" + i, k,
                            LivingModelSupport.reading(random, shifted.get())));
                    sent.incrementAndGet();
                    long due = start + (long) (i * 1e9 / 1000);
                    while (System.nanoTime() < due && sending.get()) {
                        Thread.onSpinWait();
                    }
                }
            }
        });
        try (Retrainer retrainer = new Retrainer(config)) {
            retrainer.start();
            String first = retrainer.servingVersion();
            assertEquals(Checkpoints.version(initial), first, "the initial checkpoint is the first release");
            ReleaseLoader loader = new ReleaseLoader(new LocalCheckpointStore(dir.resolve(p + "-store")),
                    ReleaseVerifier.load(pub), Device.cpu());
            try (ScoringService service = new ScoringService(streams(p), Checkpoints.load(initial, Device.cpu()),
                    dir.resolve(p + "-state"), new ScoringService.Releases(p + "-control", "pumps", loader, true),
                    policy)) {
                assertEquals(first, service.servingVersion(), "the scorer serves the released model");
                service.start();
                producer.start();
                Thread.sleep(6000);
                shifted.set(true);
                long deadline = System.nanoTime() + 180_000_000_000L;
                while (service.servingVersion().equals(first) && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                }
                assertNotEquals(first, service.servingVersion(), "a drift refit was released and swapped in");
                String refitted = service.servingVersion();
                Thread.sleep(20_000);
                sending.set(false);
                producer.join();
                assertTrue(retrainer.metrics().refits("drift", "approved") >= 1);
                List<ConsumerRecord<byte[], byte[]>> scores = LivingModelSupport.drain(broker.bootstrapServers(),
                        p + "-scores", sent.get(), Duration.ofSeconds(60), Duration.ofSeconds(2));
                WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
                Map<String, int[]> byVersion = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : scores) {
                    ScoreResult s = codec.decode(r.value());
                    int[] c = byVersion.computeIfAbsent(s.getModelVersion(), v -> new int[2]);
                    c[0]++;
                    c[1] += s.getVerdict() == Verdict.NORMAL ? 0 : 1;
                }
                String latest = service.servingVersion();
                int[] now = byVersion.get(latest);
                double rate = (double) now[1] / now[0];
                System.out.printf("season: versions %s; refit %s then %s: %d events, false-alarm rate %.4f "
                        + "(target %.4f)%n", summary(byVersion), refitted, latest, now[0], rate,
                        policy.falseAlarmRate());
                assertTrue(now[0] >= 5000, "enough events under the new model to measure: " + now[0]);
                assertTrue(rate <= 2 * policy.falseAlarmRate(), "false-alarm rate back within 2x of the target: "
                        + rate);

                String[] target = {"--bootstrap-servers", broker.bootstrapServers(), "--model-name", "pumps",
                    "--control-topic", p + "-control"};
                CliTest.Run list = CliTest.cli(concat(new String[] {"model", "list"}, target));
                assertEquals(0, list.status(), list.err());
                String servingRow = list.out().lines().filter(l -> l.startsWith(latest)).findFirst().orElse("");
                assertTrue(servingRow.contains("APPROVED") && servingRow.trim().endsWith("*"), list.out());
                assertTrue(list.out().lines().anyMatch(l -> l.startsWith(first) && l.contains("RETIRED")),
                        list.out());
                CliTest.Run show = CliTest.cli(concat(new String[] {"model", "show", latest.substring(0, 8)},
                        target));
                assertTrue(show.out().contains("trigger      drift") && show.out().contains("candidate_nll"),
                        show.out());
                CliTest.Run rollback = CliTest.cli(concat(new String[] {"model", "rollback"}, target));
                assertEquals(0, rollback.status(), rollback.err());
                long back = System.nanoTime() + 30_000_000_000L;
                while (!service.servingVersion().equals(first) && System.nanoTime() < back) {
                    Thread.sleep(100);
                }
                assertEquals(first, service.servingVersion(), "rolled back to the signed initial release");
                System.out.println("season: model list after the refit:\n" + list.out());
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String summary(Map<String, int[]> byVersion) {
        StringBuilder sb = new StringBuilder();
        byVersion.forEach((v, c) -> sb.append(String.format(java.util.Locale.ROOT, "%s: %d events, %.2f%% alerted; ",
                v, c[0], 100.0 * c[1] / c[0])));
        return sb.toString();
    }
}
