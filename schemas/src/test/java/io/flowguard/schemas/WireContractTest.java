package io.flowguard.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.junit.jupiter.api.Test;

/** The generated classes round-trip through the single-object codec; bad bytes fail with the right kind. */
class WireContractTest {

    private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);

    static Event event() {
        return Event.newBuilder().setEventId("e-1").setKey("sensor-7").setSource("pumps").setEventTime(T)
                .setFeatures(Map.of("pressure", 1.5, "flow", -2.0)).setContext(Map.of("site", "north")).build();
    }

    @Test
    void everyRecordTypeRoundTrips() {
        Event e = event();
        assertEquals(e, WireCodec.of(Event.class).decode(WireCodec.of(Event.class).encode(e)));
        ScoreResult s = ScoreResult.newBuilder().setEventId("e-1").setKey("sensor-7").setEventTime(T)
                .setModelVersion("v3").setLogLikelihood(-3.25).setBitsPerDimension(1.17).setTypicality(-0.4)
                .setLatentSquaredNorm(2).setContributions(List.of(-1f, -2.25f)).setVerdict(Verdict.LOW_DENSITY).build();
        WireCodec<ScoreResult> scores = WireCodec.of(ScoreResult.class);
        assertEquals(s, scores.decode(scores.encode(s)));
        Alert a = Alert.newBuilder().setEventId("e-1").setKey("sensor-7").setEventTime(T)
                .setReason(Verdict.HIGH_DENSITY_ATYPICAL).setSeverity(Severity.CRITICAL).setScore(12.5)
                .setModelVersion("v3").setTopFeatures(List.of(new FeatureContribution("flow", -2.0, -9.5, -4.25))).build();
        WireCodec<Alert> alerts = WireCodec.of(Alert.class);
        assertEquals(a, alerts.decode(alerts.encode(a)));
        ModelRelease r = ModelRelease.newBuilder().setVersion("v3").setModelKind("MAF").setCheckpointUri("file:/m")
                .setSha256("ab").setCreatedAt(T).setFeatureNames(List.of("pressure", "flow"))
                .setValidationMetrics(Map.of("nll", 2.5)).setStatus(ReleaseStatus.APPROVED).build();
        WireCodec<ModelRelease> releases = WireCodec.of(ModelRelease.class);
        assertEquals(r, releases.decode(releases.encode(r)));
        DeadLetter d = DeadLetter.newBuilder().setReason(DeadLetterReason.NON_FINITE).setDetail("feature flow is NaN")
                .setTopic("events").setPartition(2).setOffset(42).setPayload(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setFailedAt(T).build();
        WireCodec<DeadLetter> deadLetters = WireCodec.of(DeadLetter.class);
        assertEquals(d, deadLetters.decode(deadLetters.encode(d)));
    }

    @Test
    void garbageIsMalformedAndAnotherTypeIsAnUnknownSchema() {
        WireCodec<Event> codec = WireCodec.of(Event.class);
        WireException garbage = assertThrows(WireException.class, () -> codec.decode("hello".getBytes()));
        assertEquals(WireException.Kind.MALFORMED, garbage.kind());
        assertEquals("expected the Avro single-object header C3 01 on a Event record, got 68 65 (5 bytes)",
                garbage.getMessage());
        byte[] truncated = java.util.Arrays.copyOf(codec.encode(event()), 14);
        assertEquals(WireException.Kind.MALFORMED,
                assertThrows(WireException.class, () -> codec.decode(truncated)).kind());
        byte[] alertBytes = WireCodec.of(DeadLetter.class).encode(DeadLetter.newBuilder()
                .setReason(DeadLetterReason.OTHER).setDetail("").setTopic("t").setPartition(0).setOffset(0)
                .setPayload(ByteBuffer.allocate(0)).setFailedAt(T).build());
        WireException unknown = assertThrows(WireException.class, () -> codec.decode(alertBytes));
        assertEquals(WireException.Kind.UNKNOWN_SCHEMA, unknown.kind());
        assertThrows(WireException.class, () -> codec.decode(null));
    }

    @Test
    void aRecordWithoutItsRequiredFieldsCannotBeBuilt() {
        assertThrows(AvroRuntimeException.class, () -> Event.newBuilder().setEventId("e-1").build());
    }
}
