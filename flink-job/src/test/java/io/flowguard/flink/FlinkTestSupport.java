package io.flowguard.flink;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.Verdict;
import io.flowguard.schemas.WireCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Helpers of the Flink integration tests: a small trained model, events, produce and drain (read_committed). */
final class FlinkTestSupport {

    static final String[] NAMES = {"pressure", "flow", "temperature", "vibration"};

    private FlinkTestSupport() {}

    /** Correlated 4-D Gaussian readings: flow follows pressure, temperature follows flow. */
    static double[] reading(Random random) {
        double p = random.nextGaussian();
        double f = 0.8 * p + 0.6 * random.nextGaussian();
        double t = 20 + 0.5 * f + 0.3 * random.nextGaussian();
        double v = 2 + 0.2 * random.nextGaussian();
        return new double[] {p, f, t, v};
    }

    /** Trains a small MAF on 4,000 readings (seed {@code seed}: another seed, another version) and saves it. */
    static Path trainModel(Path dir, String name, int seed) {
        Random random = new Random(seed);
        float[] values = new float[4000 * 4];
        for (int i = 0; i < 4000; i++) {
            double[] r = reading(random);
            for (int j = 0; j < 4; j++) {
                values[i * 4 + j] = (float) r[j];
            }
        }
        Path path = dir.resolve(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelFitter.Fitted fitted = ModelFitter.fit(new Matrix(4000, 4, values), NAMES,
                    FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(32).optSeed(seed)
                            .build(), PreprocessingOptions.defaults(),
                    TrainOptions.builder().optMaxEpochs(20).optSeed(seed + 1).build(), s -> { }, manager,
                    "flink integration test");
            Checkpoints.save(path, fitted.flow(), fitted.manifest());
        }
        return path;
    }

    static byte[] event(String id, String key, double[] values) {
        Map<String, Double> features = new LinkedHashMap<>();
        for (int j = 0; j < values.length && j < NAMES.length; j++) {
            features.put(NAMES[j], values[j]);
        }
        return WireCodec.of(Event.class).encode(Event.newBuilder().setEventId(id).setKey(key).setSource("it")
                .setEventTime(Instant.now()).setFeatures(features).build());
    }

    /** A well-formed single-object record of a schema the scorer does not read (a ScoreResult). */
    static byte[] unknownSchema() {
        return WireCodec.of(ScoreResult.class).encode(ScoreResult.newBuilder().setEventId("x").setKey("k")
                .setEventTime(Instant.EPOCH).setModelVersion("v").setLogLikelihood(0).setBitsPerDimension(0)
                .setTypicality(0).setLatentSquaredNorm(0).setContributions(List.of()).setVerdict(Verdict.NORMAL)
                .build());
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0); // every send waits for its acknowledgement
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p);
    }

    /**
     * Sends and waits for the acknowledgement, resending once on a failure: right after a topic is created its
     * partition leaders can still move (NOT_LEADER_OR_FOLLOWER, then OUT_OF_ORDER_SEQUENCE_NUMBER), and a record the
     * producer gave up on would look like an event the job lost.
     */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
                value);
        try {
            producer.send(record).get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException first) {
            try {
                producer.send(record).get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("could not produce to " + topic + ": " + e, e);
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not produce to " + topic + ": " + e, e);
        }
    }

    /** A read_committed consumer of every partition of {@code topic}, from the beginning. */
    static KafkaConsumer<byte[], byte[]> committedReader(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /**
     * Reads {@code topic} (read_committed) until {@code expected} records arrived or {@code timeout} passed, then
     * keeps reading for {@code settle} to catch any extra (repeated) record.
     */
    static List<ConsumerRecord<byte[], byte[]>> drain(String bootstrap, String topic, int expected, Duration timeout,
            Duration settle) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = committedReader(bootstrap, topic)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long settleUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settleUntil)) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() >= expected && settleUntil == Long.MAX_VALUE) {
                    settleUntil = System.nanoTime() + settle.toNanos();
                }
            }
        }
        return out;
    }
}
