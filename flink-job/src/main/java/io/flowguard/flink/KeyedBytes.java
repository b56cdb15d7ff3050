package io.flowguard.flink;

import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One output record in wire form: key (the entity), single-object encoded Avro value, record timestamp (the event
 * time). A Flink POJO, written as is by a {@code KafkaSink}.
 */
public final class KeyedBytes {

    public byte[] key;
    public byte[] value;
    public long timestamp;

    public KeyedBytes() {}

    public KeyedBytes(byte[] key, byte[] value, long timestamp) {
        this.key = key;
        this.value = value;
        this.timestamp = timestamp;
    }

    /** Writes {@link KeyedBytes} to {@code topic} (partitioned by key, as the Kafka Streams scorer does). */
    public static KafkaRecordSerializationSchema<KeyedBytes> serializer(String topic) {
        return new Serializer(topic);
    }

    private static final class Serializer implements KafkaRecordSerializationSchema<KeyedBytes> {
        private final String topic;

        Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(KeyedBytes r, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, r.timestamp, r.key, r.value);
        }
    }
}
