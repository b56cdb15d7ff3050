package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.DeadLetter;
import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.Verdict;
import io.flowguard.schemas.WireCodec;
import io.flowguard.stream.kafka.EmbeddedKafkaBroker;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology on a real KRaft broker: N events with bad ones mixed in; exactly the good ones are scored (once
 * each), exactly the bad ones are dead-lettered with the right reason, the injected spikes raise alerts, and the
 * scraped {@code /metrics} passes {@code promtool check metrics}.
 */
class ScoringPipelineIT {

    static EmbeddedKafkaBroker broker;
    @TempDir
    static Path dir;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void scoresGoodEventsDeadLettersBadOnesAndAlertsOnSpikes() throws Exception {
        StreamConfig config = new StreamConfig("pipeline-it", broker.bootstrapServers(), "p-events", "p-scores",
                "p-alerts", "p-dead", 256, Duration.ofMillis(20), Duration.ofMillis(100), 1, Duration.ofMillis(25));
        broker.createTopics(2, "p-events", "p-scores", "p-alerts", "p-dead");
        Path modelPath = KafkaTestSupport.trainModel(dir);

        int normal = 3000;
        int spikes = 30;
        Map<DeadLetterReason, Integer> bad = new EnumMap<>(DeadLetterReason.class);
        Set<String> spikeIds = new HashSet<>();
        Random random = new Random(7);
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.producer(broker.bootstrapServers())) {
            for (int i = 0; i < normal + spikes; i++) {
                String key = "sensor-" + (i % 20);
                double[] values = KafkaTestSupport.reading(random);
                String id = "e" + i;
                if (i % 100 == 50) {
                    values[1] += 12;
                    spikeIds.add(id);
                }
                KafkaTestSupport.send(producer, "p-events", key, KafkaTestSupport.encode(
                        KafkaTestSupport.event(id, key, values)));
                if (i % 300 == 0) {
                    KafkaTestSupport.send(producer, "p-events", key, "not avro at all".getBytes());
                    bad.merge(DeadLetterReason.MALFORMED, 1, Integer::sum);
                    double[] nan = KafkaTestSupport.reading(random);
                    nan[2] = Double.NaN;
                    KafkaTestSupport.send(producer, "p-events", key, KafkaTestSupport.encode(
                            KafkaTestSupport.event("nan" + i, key, nan)));
                    bad.merge(DeadLetterReason.NON_FINITE, 1, Integer::sum);
                    KafkaTestSupport.send(producer, "p-events", key, KafkaTestSupport.encode(
                            KafkaTestSupport.event("short" + i, key, new double[] {1, 2, 3})));
                    bad.merge(DeadLetterReason.WRONG_FEATURES, 1, Integer::sum);
                    KafkaTestSupport.send(producer, "p-events", key, unknownSchemaRecord());
                    bad.merge(DeadLetterReason.UNKNOWN_SCHEMA, 1, Integer::sum);
                }
            }
        }
        assertEquals(spikes, spikeIds.size());
        int badTotal = bad.values().stream().mapToInt(Integer::intValue).sum();

        try (LoadedModel model = Checkpoints.load(modelPath, ai.djl.Device.cpu());
                ScoringService service = new ScoringService(config, model.scorer(), dir.resolve("state"));
                HTTPServer metricsServer = service.metrics().serve("127.0.0.1", 0)) {
            service.start();
            List<ConsumerRecord<byte[], byte[]>> scores = KafkaTestSupport.drain(broker.bootstrapServers(),
                    "p-scores", normal + spikes, Duration.ofSeconds(180), Duration.ofSeconds(3));
            List<ConsumerRecord<byte[], byte[]>> dead = KafkaTestSupport.drain(broker.bootstrapServers(), "p-dead",
                    badTotal, Duration.ofSeconds(30), Duration.ofSeconds(1));
            List<ConsumerRecord<byte[], byte[]>> alerts = KafkaTestSupport.drain(broker.bootstrapServers(),
                    "p-alerts", spikes, Duration.ofSeconds(30), Duration.ofSeconds(1));
            assertEquals(KafkaStreams.State.RUNNING, service.state());
            System.out.printf("pipeline: %d scores, %d dead letters, %d alerts read; scorer counted %.0f scored%n",
                    scores.size(), dead.size(), alerts.size(), service.metrics().eventsScored());

            WireCodec<ScoreResult> scoreCodec = WireCodec.of(ScoreResult.class);
            Set<String> scored = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : scores) {
                ScoreResult s = scoreCodec.decode(r.value());
                assertTrue(scored.add(s.getEventId()), "scored twice: " + s.getEventId());
                assertEquals(s.getKey(), new String(r.key()));
                float sum = 0;
                for (float c : s.getContributions()) {
                    sum += c;
                }
                assertEquals(s.getLogLikelihood(), sum, 1e-3 * Math.max(1, Math.abs(sum)));
            }
            assertEquals(normal + spikes, scores.size());

            Map<DeadLetterReason, Integer> deadByReason = new EnumMap<>(DeadLetterReason.class);
            WireCodec<DeadLetter> deadCodec = WireCodec.of(DeadLetter.class);
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                DeadLetter d = deadCodec.decode(r.value());
                deadByReason.merge(d.getReason(), 1, Integer::sum);
                assertEquals("p-events", d.getTopic());
                assertTrue(d.getOffset() >= 0 && d.getPayload().remaining() > 0, d.toString());
            }
            assertEquals(bad, deadByReason);

            Map<String, Alert> alertById = new HashMap<>();
            WireCodec<Alert> alertCodec = WireCodec.of(Alert.class);
            for (ConsumerRecord<byte[], byte[]> r : alerts) {
                Alert a = alertCodec.decode(r.value());
                alertById.put(a.getEventId(), a);
            }
            for (String id : spikeIds) {
                Alert a = alertById.get(id);
                assertTrue(a != null, "no alert for spike " + id);
                assertEquals(Verdict.LOW_DENSITY, a.getReason());
                assertEquals("flow", a.getTopFeatures().get(0).getName(), a.toString());
            }
            int falseAlarms = alertById.size() - spikeIds.size();
            assertTrue(falseAlarms <= 0.01 * normal, falseAlarms + " alerts on normal events");

            assertEquals(normal + spikes, service.metrics().eventsScored(), 0);
            assertEquals(1, service.metrics().deadLettered("UNKNOWN_SCHEMA") / bad.get(DeadLetterReason.UNKNOWN_SCHEMA));
            String exposition = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + metricsServer.getPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(exposition.contains("flowguard_events_scored_total " + (normal + spikes) + ".0"), exposition);
            assertTrue(exposition.contains("flowguard_records_dead_lettered_total{reason=\"NON_FINITE\"} "
                    + bad.get(DeadLetterReason.NON_FINITE) + ".0"), exposition);
            assertTrue(exposition.contains("flowguard_model_info{kind=\"MAF\",version=\""), exposition);
            promtoolCheck(exposition);
        }
    }

    /** A well-formed single-object record of a schema the scorer has never seen (a ScoreResult). */
    private static byte[] unknownSchemaRecord() {
        return WireCodec.of(ScoreResult.class).encode(ScoreResult.newBuilder().setEventId("x").setKey("k")
                .setEventTime(java.time.Instant.EPOCH).setModelVersion("v").setLogLikelihood(0).setBitsPerDimension(0)
                .setTypicality(0).setLatentSquaredNorm(0).setContributions(List.of()).setVerdict(Verdict.NORMAL)
                .build());
    }

    static void promtoolCheck(String exposition) throws IOException, InterruptedException {
        Path file = Files.createTempFile("metrics", ".prom");
        Files.writeString(file, exposition);
        Process p;
        try {
            p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                    .redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            System.out.println("SKIPPED promtool check metrics: promtool is not installed (apt-get install "
                    + "prometheus); the exposition was only checked by the assertions above");
            return;
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        System.out.println("promtool check metrics: exit " + p.exitValue() + " " + out.trim());
        assertEquals(0, p.exitValue(), out);
    }
}
