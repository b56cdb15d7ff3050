package io.flowguard.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.junit.jupiter.api.Test;

/** The generated classes round-trip through Avro's single-object encoding and enforce required fields. */
class WireContractTest {

    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);

    @Test
    void eventRoundTripsThroughBinaryEncoding() throws IOException {
        Event e = Event.newBuilder().setEventId("e-1").setSource("sensors").setEventTime(T)
                .setFeatures(List.of(1.5f, -2f, Float.MIN_VALUE)).setAttributes(Map.of("unit", "7")).build();
        ByteBuffer bytes = e.toByteBuffer();
        Event back = Event.fromByteBuffer(bytes);
        assertEquals(e, back);
        assertEquals(1, back.getSchemaVersion());
        assertEquals(List.of(1.5f, -2f, Float.MIN_VALUE), back.getFeatures());
    }

    @Test
    void scoredEventAndDeadLetterRoundTrip() throws IOException {
        ScoredEvent s = ScoredEvent.newBuilder().setEventId("e-1").setSource("sensors").setEventTime(T)
                .setModelVersion("abc123").setLogLikelihood(-3.25).setBitsPerDimension(1.17).setLatentSquaredNorm(2)
                .setTypicality(-0.4).setContributions(List.of(-1f, -2.25f)).setAlert(true)
                .setAlertReason("low density").build();
        assertEquals(s, ScoredEvent.fromByteBuffer(s.toByteBuffer()));
        DeadLetter d = DeadLetter.newBuilder().setReason(DeadLetterReason.NON_FINITE)
                .setDetail("feature 3 is NaN").setTopic("events").setPartition(2).setOffset(42)
                .setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3})).setFailedAt(T).build();
        assertEquals(d, DeadLetter.fromByteBuffer(d.toByteBuffer()));
    }

    @Test
    void aRecordWithoutItsRequiredFieldsCannotBeBuilt() {
        assertThrows(AvroRuntimeException.class, () -> Event.newBuilder().setEventId("e-1").build());
    }
}
