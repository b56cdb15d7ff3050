package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.checkpoint.CheckpointCodec;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.StoredCheckpoint;
import io.flowguard.retrainer.ControlTopic;
import io.flowguard.retrainer.ReleaseKeys;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills on a real broker: the retrainer SIGKILLed while it trains and halted right after it announced a candidate
 * (mid-publish), then restarted; the scorer SIGKILLed right after it swapped in a release, then restarted. No partial
 * checkpoint is ever visible, no release names a missing file, the retrainer carries on, and the restarted scorer
 * serves the release without losing or repeating an event.
 */
class LivingModelCrashIT {

    private static EmbeddedKafkaBroker broker;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        broker = EmbeddedKafkaBroker.start();
        broker.createTopics(2, "events", "scores", "alerts", "dead-letters", "model-requests");
        EmbeddedKafkaBroker.createCompactedTopic(broker.bootstrapServers(), "model-releases");
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aRetrainerKilledMidRefitAndMidPublishLeavesNothingPartialAndCarriesOn() throws Exception {
        Path initial = LivingModelSupport.trainModel(dir.resolve("r-initial.fgck"), 1, false);
        produce("r", 4000, false);
        Path store = dir.resolve("r-store");
        List<String> args = List.of("retrainer", "--bootstrap-servers", broker.bootstrapServers(), "--store",
                store.toString(), "--model-name", "m", "--initial-checkpoint", initial.toString(),
                "--schedule-seconds", "2", "--min-interval-seconds", "0", "--min-events", "1000",
                "--window-events", "4000", "--alert-grace-seconds", "0", "--layers", "2", "--hidden", "32",
                "--epochs", "200", "--max-seconds", "60", "--patience", "200", "--metrics-port", "0");

        Process training = cli(args, "retrainer-1", null);
        awaitLog("retrainer-1", "epoch", Duration.ofSeconds(120));
        training.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertConsistent(store, "after a SIGKILL mid-refit");

        Process publishing = cli(args, "retrainer-2", "candidate");
        assertTrue(publishing.waitFor(180, TimeUnit.SECONDS), "the retrainer reached the injected crash");
        assertEquals(137, publishing.exitValue(), "halted at the crash point (a kill mid-publish)");
        Map<String, ModelRelease> afterCrash = assertConsistent(store, "after a kill mid-publish");
        ModelRelease pointer = afterCrash.get(ReleaseKeys.pointer("m"));
        long candidates = afterCrash.values().stream().filter(r -> r.getStatus() == ReleaseStatus.CANDIDATE).count();
        assertEquals(1, candidates, "the announced candidate, never judged");
        assertEquals("bootstrap", pointer.getTrigger(), "the initial release still serves");

        Process carryingOn = cli(args, "retrainer-3", null);
        try {
            long deadline = System.nanoTime() + 180_000_000_000L;
            boolean judged = false;
            while (!judged && System.nanoTime() < deadline) {
                Thread.sleep(2000);
                judged = ControlTopic.readAll(broker.bootstrapServers(), "model-releases", Duration.ofSeconds(30))
                        .values().stream().anyMatch(r -> r.getTrigger().equals("schedule")
                                && (r.getStatus() == ReleaseStatus.APPROVED || r.getStatus() == ReleaseStatus.REJECTED));
            }
            assertTrue(judged, "the restarted retrainer refitted and judged a candidate");
        } finally {
            carryingOn.destroy();
            carryingOn.waitFor(60, TimeUnit.SECONDS);
        }
        assertConsistent(store, "after the restart");
    }

    /** Every stored checkpoint decodes and every release names a file that exists. */
    private static Map<String, ModelRelease> assertConsistent(Path store, String when) throws IOException {
        for (StoredCheckpoint c : new LocalCheckpointStore(store).list()) {
            CheckpointCodec.decode(Files.readAllBytes(Path.of(URI.create(c.uri()))), c.uri());
        }
        Map<String, ModelRelease> releases = ControlTopic.readAll(broker.bootstrapServers(), "model-releases",
                Duration.ofSeconds(30));
        for (Map.Entry<String, ModelRelease> e : releases.entrySet()) {
            if (e.getKey().equals("m") || e.getKey().startsWith("m/")) {
                assertTrue(Files.exists(Path.of(URI.create(e.getValue().getCheckpointUri()))),
                        when + ": " + e.getKey() + " names " + e.getValue().getCheckpointUri());
            }
        }
        return releases;
    }

    @Test
    void aScorerKilledRightAfterASwapServesThatReleaseOnRestartAndNothingIsLostOrRepeated() throws Exception {
        Path a = LivingModelSupport.trainModel(dir.resolve("s-a.fgck"), 1, false);
        Path b = LivingModelSupport.trainModel(dir.resolve("s-b.fgck"), 2, false);
        LocalCheckpointStore store = new LocalCheckpointStore(dir.resolve("s-store"));
        store.put(Files.readAllBytes(a));
        StoredCheckpoint stored = store.put(Files.readAllBytes(b));
        AtomicInteger sent = new AtomicInteger();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread producer = new Thread(() -> {
            Random random = new Random(9);
            try (KafkaProducer<byte[], byte[]> out = LivingModelSupport.producer(broker.bootstrapServers())) {
                long start = System.nanoTime();
                for (int i = 0; sending.get(); i++) {
                    LivingModelSupport.send(out, "events", LivingModelSupport.event("k" + i, "sensor-" + (i % 20),
                            LivingModelSupport.reading(random, false)));
                    sent.incrementAndGet();
                    long due = start + (long) (i * 1e9 / 1000);
                    while (System.nanoTime() < due && sending.get()) {
                        Thread.onSpinWait();
                    }
                }
            }
        });
        List<String> args = List.of("scorer", "--bootstrap-servers", broker.bootstrapServers(), "--checkpoint",
                a.toString(), "--store", store.dir().toString(), "--model-name", "k", "--application-id",
                "crash-scorer", "--state-dir", dir.resolve("s-state").toString(), "--metrics-port", "0");
        producer.start();
        Process first = cli(args, "scorer-1", null);
        awaitScore("k", null, Duration.ofSeconds(120));
        ModelRelease release = ModelRelease.newBuilder().setModelName("k").setVersion(stored.version())
                .setModelKind("MAF").setCheckpointUri(stored.uri()).setSha256(stored.sha256())
                .setCreatedAt(Instant.now()).setFeatureNames(List.of(LivingModelSupport.NAMES))
                .setStatus(ReleaseStatus.APPROVED).setTrigger("test").build();
        try (ControlTopic control = ControlTopic.oneShot(broker.bootstrapServers(), "model-releases")) {
            control.publish(Map.of(ReleaseKeys.pointer("k"), release));
        }
        awaitScore("k", stored.version(), Duration.ofSeconds(60));
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Process second = cli(args, "scorer-2", null);
        try {
            Thread.sleep(8000);
            sending.set(false);
            producer.join();
            List<ConsumerRecord<byte[], byte[]>> scores = LivingModelSupport.drain(broker.bootstrapServers(),
                    "scores", sent.get(), Duration.ofSeconds(120), Duration.ofSeconds(3));
            WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
            Map<String, Integer> times = new HashMap<>();
            Map<Integer, List<String>> versions = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : scores) {
                ScoreResult s = codec.decode(r.value());
                times.merge(s.getEventId(), 1, Integer::sum);
                List<String> seq = versions.computeIfAbsent(r.partition(), p -> new ArrayList<>());
                if (seq.isEmpty() || !seq.get(seq.size() - 1).equals(s.getModelVersion())) {
                    seq.add(s.getModelVersion());
                }
            }
            assertFalse(times.values().stream().anyMatch(n -> n > 1), "an event was scored twice");
            assertEquals(sent.get(), times.size(), "every event scored");
            for (List<String> seq : versions.values()) {
                assertEquals(stored.version(), seq.get(seq.size() - 1), "the restarted scorer serves the release");
                assertTrue(seq.size() <= 2, "at most one swap per partition, no return to the old model: " + seq);
            }
            assertTrue(versions.values().stream().anyMatch(seq -> seq.size() == 2), "the first model scored first");
            System.out.printf("scorer crash: %d events scored once each; versions per partition %s%n", times.size(),
                    versions);
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static void produce(String prefix, int n, boolean shifted) {
        Random random = new Random(4);
        try (KafkaProducer<byte[], byte[]> out = LivingModelSupport.producer(broker.bootstrapServers())) {
            for (int i = 0; i < n; i++) {
                LivingModelSupport.send(out, "events", LivingModelSupport.event(prefix + i, "station-" + (i % 20),
                        LivingModelSupport.reading(random, shifted)));
            }
        }
    }

    /** Waits until a committed score of an event with id prefix {@code prefix} names {@code version} (any: null). */
    private static void awaitScore(String prefix, String version, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : LivingModelSupport.drain(broker.bootstrapServers(), "scores",
                    Integer.MAX_VALUE, Duration.ofSeconds(2), Duration.ZERO)) {
                ScoreResult s = codec.decode(r.value());
                if (s.getEventId().startsWith(prefix) && (version == null || s.getModelVersion().equals(version))) {
                    return;
                }
            }
        }
        throw new AssertionError("expected a score of " + prefix + "* by " + version + " within " + timeout);
    }

    private static Process cli(List<String> args, String name, String crashAt) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx1g", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn"));
        if (crashAt != null) {
            command.add("-Dflowguard.retrainer.crash-at=" + crashAt);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), FlowGuardCli.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log")
                .toFile()).start();
    }

    private static void awaitLog(String name, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path log = dir.resolve(name + ".log");
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("expected '" + text + "' in " + log + " within " + timeout + ":\n"
                + (Files.exists(log) ? Files.readString(log) : "(no log)"));
    }
}
