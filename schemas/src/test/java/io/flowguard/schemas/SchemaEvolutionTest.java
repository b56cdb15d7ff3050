package io.flowguard.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Schema evolution: a v2 that adds an optional field. Old bytes read with the new schema get the default; new bytes
 * read with the old schema drop the field; and every released schema stays readable by the current one.
 */
class SchemaEvolutionTest {

    private static Schema candidateV2() throws IOException {
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream("/evolution/Event-v2-candidate.avsc")) {
            return new Schema.Parser().parse(in);
        }
    }

    @Test
    void oldBytesReadWithTheNewSchemaGetTheDefault() throws IOException {
        Schema v2 = candidateV2();
        byte[] v1Bytes = WireCodec.of(Event.class).encode(WireContractTest.event());
        SchemaStore.Cache store = new SchemaStore.Cache();
        WireCodec.of(Event.class).knownWriters().forEach(store::addSchema);
        BinaryMessageDecoder<GenericRecord> newReader = new BinaryMessageDecoder<>(GenericData.get(), v2, store);
        GenericRecord read = newReader.decode(v1Bytes);
        assertEquals("sensor-7", read.get("key").toString());
        assertNull(read.get("merchantCategory"));
    }

    @Test
    void newBytesReadWithTheOldSchemaDropTheNewField() throws IOException {
        Schema v2 = candidateV2();
        Event e = WireContractTest.event();
        GenericRecord record = new GenericData.Record(v2);
        for (Schema.Field f : v2.getFields()) {
            record.put(f.name(), f.name().equals("merchantCategory") ? "5411" : e.get(f.name()));
        }
        record.put("eventTime", e.getEventTime().toEpochMilli());
        ByteBuffer v2Bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(record);
        byte[] bytes = new byte[v2Bytes.remaining()];
        v2Bytes.get(bytes);

        WireException unknown = assertThrows(WireException.class, () -> WireCodec.of(Event.class).decode(bytes));
        assertEquals(WireException.Kind.UNKNOWN_SCHEMA, unknown.kind());
        assertEquals(e, WireCodec.of(Event.class, List.of(v2)).decode(bytes));
    }

    /** Alerts written before FeatureContribution had a z (Alert v1) read z = 0, with the rest kept. */
    @Test
    void alertsFromBeforeTheConditionalTailReadZeroForZ() throws IOException {
        Schema v1;
        try (InputStream in = SchemaEvolutionTest.class.getResourceAsStream(
                "/io/flowguard/schemas/history/Alert-v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        Alert current = Alert.newBuilder().setEventId("e-1").setKey("k").setEventTime(java.time.Instant.EPOCH)
                .setReason(Verdict.LOW_DENSITY).setSeverity(Severity.WARNING).setScore(3).setModelVersion("v")
                .setTopFeatures(List.of(new FeatureContribution("flow", 2.0, -9.5, 6.0))).build();
        GenericRecord old = new GenericData.Record(v1);
        for (Schema.Field f : v1.getFields()) {
            old.put(f.name(), current.get(f.name()));
        }
        old.put("eventTime", 0L);
        old.put("reason", new GenericData.EnumSymbol(v1.getField("reason").schema(), "LOW_DENSITY"));
        old.put("severity", new GenericData.EnumSymbol(v1.getField("severity").schema(), "WARNING"));
        Schema item = v1.getField("topFeatures").schema().getElementType();
        GenericRecord feature = new GenericData.Record(item);
        feature.put("name", "flow");
        feature.put("value", 2.0);
        feature.put("logLikelihood", -9.5);
        old.put("topFeatures", List.of(feature));
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        FeatureContribution read = WireCodec.of(Alert.class).decode(bytes).getTopFeatures().get(0);
        assertEquals(-9.5, read.getLogLikelihood());
        assertEquals(0.0, read.getZ());
    }

    @ParameterizedTest
    @ValueSource(classes = {Event.class, ScoreResult.class, Alert.class, ModelRelease.class, DeadLetter.class,
        RetrainRequest.class})
    void theCurrentSchemaIsTheLatestReleaseAndReadsEveryRelease(Class<? extends SpecificRecord> type) {
        List<Schema> writers = WireCodec.of(type).knownWriters();
        Schema current = writers.get(writers.size() - 1);
        Schema latestRelease = writers.get(writers.size() - 2);
        assertEquals(WireCodec.fingerprint(current), WireCodec.fingerprint(latestRelease),
                type.getSimpleName() + " changed: copy its .avsc to history/" + type.getSimpleName() + "-vN.avsc");
        for (Schema writer : writers) {
            assertEquals(SchemaCompatibilityType.COMPATIBLE,
                    SchemaCompatibility.checkReaderWriterCompatibility(current, writer).getType(), writer.toString());
        }
    }
}
