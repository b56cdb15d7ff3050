package io.flowguard.retrainer;

import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.WireCodec;
import io.flowguard.schemas.WireException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Reads and writes the compacted {@code ModelRelease} control topic. Writes go in Kafka transactions, so a
 * version's record and the serving pointer change together or not at all (a retrainer killed mid-publish leaves an
 * aborted transaction that read_committed readers never see).
 */
public final class ControlTopic implements AutoCloseable {

    private static final WireCodec<ModelRelease> CODEC = WireCodec.of(ModelRelease.class);

    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;

    /**
     * @param transactionalId the writer's identity: a restarted writer with the same id fences its predecessor's
     *     open transaction
     */
    public ControlTopic(String bootstrapServers, String topic, String transactionalId) {
        this.topic = topic;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
    }

    /** A one-shot writer (the CLI) with a fresh transactional id. */
    public static ControlTopic oneShot(String bootstrapServers, String topic) {
        return new ControlTopic(bootstrapServers, topic, "flowguard-control-" + UUID.randomUUID());
    }

    /** Writes {@code records} (key to release; a null release is a tombstone) in one transaction. */
    public void publish(Map<String, ModelRelease> records) {
        producer.beginTransaction();
        try {
            for (Map.Entry<String, ModelRelease> r : records.entrySet()) {
                producer.send(new ProducerRecord<>(topic, r.getKey().getBytes(StandardCharsets.UTF_8),
                        r.getValue() == null ? null : CODEC.encode(r.getValue())));
            }
            producer.commitTransaction();
        } catch (RuntimeException e) {
            try {
                producer.abortTransaction();
            } catch (RuntimeException ignored) {
                // a fenced or closed producer cannot abort; the broker times the transaction out
            }
            throw e;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }

    /**
     * The topic's newest committed record per key, read from the beginning to the end offsets of now (tombstones
     * remove their key; records that do not decode are skipped).
     */
    public static Map<String, ModelRelease> readAll(String bootstrapServers, String topic, Duration timeout) {
        Map<String, ModelRelease> latest = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers)) {
            List<TopicPartition> parts = partitions(consumer, topic);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new org.apache.kafka.common.errors.TimeoutException("expected to read " + topic
                            + " to its end within " + timeout + ", got only part of it");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(latest, r);
                }
            }
        }
        return latest;
    }

    static void apply(Map<String, ModelRelease> latest, ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return;
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            latest.remove(key);
            return;
        }
        try {
            latest.remove(key); // keep insertion order = order of the newest write
            latest.put(key, CODEC.decode(r.value()));
        } catch (WireException e) {
            // not a release this build can read; the scorers refuse it too
        }
    }

    static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        List<TopicPartition> parts = new ArrayList<>();
        List<PartitionInfo> info = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (info == null || info.isEmpty()) {
            throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("expected topic " + topic
                    + " to exist, got no partitions");
        }
        for (PartitionInfo i : info) {
            parts.add(new TopicPartition(topic, i.partition()));
        }
        return parts;
    }
}
