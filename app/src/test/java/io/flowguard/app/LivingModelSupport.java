package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.schemas.Event;
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

/** Helpers of the living-model integration tests: two regimes of 4-D sensor readings, small models, Kafka I/O. */
final class LivingModelSupport {

    static final String[] NAMES = {"pressure", "flow", "temperature", "vibration"};
    static final FlowSpec SPEC = FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(32)
            .optSeed(1).build();

    private LivingModelSupport() {}

    /** Correlated readings; {@code shifted} is the new season: more load (pressure and flow up, wider). */
    static double[] reading(Random random, boolean shifted) {
        double p = random.nextGaussian();
        double f = 0.8 * p + 0.6 * random.nextGaussian();
        double t = 20 + 0.5 * f + 0.3 * random.nextGaussian();
        double v = 2 + 0.2 * random.nextGaussian();
        if (shifted) {
            p = 3 + 1.5 * p;
            f = 2.5 + 1.5 * f;
        }
        return new double[] {p, f, t, v};
    }

    static Matrix rows(int n, long seed, boolean shifted) {
        Random random = new Random(seed);
        float[] values = new float[n * 4];
        for (int i = 0; i < n; i++) {
            double[] r = reading(random, shifted);
            for (int j = 0; j < 4; j++) {
                values[i * 4 + j] = (float) r[j];
            }
        }
        return new Matrix(n, 4, values);
    }

    static TrainOptions quickTraining(long seed) {
        return TrainOptions.builder().optMaxEpochs(30).optMaxSeconds(30).optSeed(seed).build();
    }

    /** Trains a small MAF on {@code n} readings of one regime and saves it (a few seconds). */
    static Path trainModel(Path file, long seed, boolean shifted) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelFitter.Fitted fitted = ModelFitter.fit(rows(4000, seed, shifted), NAMES, SPEC,
                    PreprocessingOptions.defaults(), quickTraining(seed), s -> { }, manager, "integration test");
            Checkpoints.save(file, fitted.flow(), fitted.manifest());
        }
        return file;
    }

    static Event event(String id, String key, double[] values) {
        Map<String, Double> features = new LinkedHashMap<>();
        for (int j = 0; j < values.length; j++) {
            features.put(NAMES[j], values[j]);
        }
        return Event.newBuilder().setEventId(id).setKey(key).setSource("it").setEventTime(Instant.now())
                .setFeatures(features).build();
    }

    static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    static void send(KafkaProducer<byte[], byte[]> producer, String topic, Event e) {
        producer.send(new ProducerRecord<>(topic, e.getKey().getBytes(StandardCharsets.UTF_8),
                WireCodec.of(Event.class).encode(e)));
    }

    /** Reads {@code topic} (read_committed) until {@code expected} records or the timeout, then {@code settle} more. */
    static List<ConsumerRecord<byte[], byte[]>> drain(String bootstrap, String topic, int expected, Duration timeout,
            Duration settle) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
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
