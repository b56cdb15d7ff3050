package io.flowguard.flink;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One input record as it came off Kafka, undecoded: the payload stays bytes until the scoring operator reads it, so
 * that a bad record becomes a dead letter carrying its original bytes and topic/partition/offset. A Flink POJO
 * (public fields, no-argument constructor): Flink serialises it without Kryo.
 */
public final class KafkaRecord {

    /** The record key as text (the entity for events, the model name on the control topic); "" when absent. */
    public String key = "";
    public byte[] value;
    public String topic = "";
    public int partition = -1;
    public long offset = -1;

    public KafkaRecord() {}

    public KafkaRecord(String key, byte[] value, String topic, int partition, long offset) {
        this.key = key;
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    /** Reads {@link KafkaRecord}s for a {@code KafkaSource}; never fails on a record (the operator judges it). */
    public static KafkaRecordDeserializationSchema<KafkaRecord> deserializer() {
        return new Deserializer();
    }

    private static final class Deserializer implements KafkaRecordDeserializationSchema<KafkaRecord> {
        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<KafkaRecord> out) {
            out.collect(new KafkaRecord(r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8),
                    r.value(), r.topic(), r.partition(), r.offset()));
        }

        @Override
        public TypeInformation<KafkaRecord> getProducedType() {
            return TypeInformation.of(KafkaRecord.class);
        }
    }
}
