package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the scorer process with SIGKILL mid-stream (no close, no commit, a transaction and a half-full batch in
 * flight), restarts it, and checks in the committed output (read_committed) that every event was scored exactly
 * once.
 */
class ExactlyOnceCrashIT {

    /**
     * Batches larger than what arrives between two commits (every 100 ms), so that nearly every commit finds events
     * waiting for their batch: the ones a crash would lose were they not in the pending-events store. With the
     * scorer's defaults (512 events or 20 ms) only ~8 % of commits do, and a lost batch would rarely show.
     */
    private static final int BATCH = 4096;
    private static final int DEADLINE_MS = 400;

    @TempDir
    Path dir;

    @Test
    void aKilledScorerRestartsWithoutLosingOrRepeatingEvents() throws Exception {
        int n = 30000;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
            broker.createTopics(2, "events", "scores", "alerts", "dead-letters");
            Path model = KafkaTestSupport.trainModel(dir);
            Random random = new Random(3);
            try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.producer(broker.bootstrapServers())) {
                for (int i = 0; i < n; i++) {
                    String key = "sensor-" + (i % 50);
                    KafkaTestSupport.send(producer, "events", key, KafkaTestSupport.encode(
                            KafkaTestSupport.event("e" + i, key, KafkaTestSupport.reading(random))));
                }
            }
            Process first = scorer(broker, model, "first");
            int seenBeforeKill = awaitScores(broker, n / 4, Duration.ofSeconds(180));
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            System.out.println("crash test: killed the scorer after " + seenBeforeKill + " committed scores");
            assertTrue(seenBeforeKill < n, "the scorer finished before it could be killed");

            Process second = scorer(broker, model, "second");
            try {
                List<ConsumerRecord<byte[], byte[]>> scores = KafkaTestSupport.drain(broker.bootstrapServers(),
                        "scores", n, Duration.ofSeconds(240), Duration.ofSeconds(5));
                Map<String, Integer> times = new HashMap<>();
                WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);
                for (ConsumerRecord<byte[], byte[]> r : scores) {
                    times.merge(codec.decode(r.value()).getEventId(), 1, Integer::sum);
                }
                List<String> repeated = new ArrayList<>();
                times.forEach((id, count) -> {
                    if (count > 1) {
                        repeated.add(id);
                    }
                });
                assertEquals(List.of(), repeated, "events scored more than once");
                assertEquals(n, times.size(), "distinct events scored");
                assertEquals(n, scores.size(), "committed score records");
            } finally {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private Process scorer(EmbeddedKafkaBroker broker, Path model, String name) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                System.getProperty("java.class.path"), ScoringService.class.getName(), broker.bootstrapServers(),
                model.toString(), dir.resolve("state-" + name).toString(), "crash-it", String.valueOf(BATCH),
                String.valueOf(DEADLINE_MS));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("scorer-" + name + ".log").toFile()).start();
    }

    private static int awaitScores(EmbeddedKafkaBroker broker, int atLeast, Duration timeout) {
        return KafkaTestSupport.drain(broker.bootstrapServers(), "scores", atLeast, timeout, Duration.ZERO).size();
    }
}
