package io.flowguard.stream;

import io.flowguard.schemas.WireCodec;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a FlowGuard wire type (Avro single-object encoding, see {@link WireCodec}) for consumers of the
 * scores, alerts, dead-letters and model-release topics. Deserialising bytes of an unknown writer schema or
 * garbage throws {@link io.flowguard.schemas.WireException}; the scorer itself reads its input as bytes so that
 * such records become dead letters instead.
 *
 * @param <T> the generated record class
 */
public final class WireSerde<T extends SpecificRecord> implements Serde<T> {

    private final WireCodec<T> codec;

    public WireSerde(Class<T> type) {
        this.codec = WireCodec.of(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, record) -> record == null ? null : codec.encode(record);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> bytes == null ? null : codec.decode(bytes);
    }
}
