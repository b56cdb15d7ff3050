package io.flowguard.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast path agrees with the general decoder, and declines everything that is not plain. */
class EventRowReaderTest {

    private static final String[] NAMES = {"pressure", "flow", "temp", "vibration", "rpm"};
    private final WireCodec<Event> codec = WireCodec.of(Event.class);

    private byte[] bytes(Map<String, Double> features, Map<String, String> context) {
        return codec.encode(Event.newBuilder().setEventId("e-9").setKey("k").setSource("s")
                .setEventTime(Instant.ofEpochMilli(1234)).setFeatures(features).setContext(context).build());
    }

    @Test
    void readsTheSameRowAsTheGeneralDecoderInAnyMapOrder() {
        Random random = new Random(2);
        EventRowReader reader = new EventRowReader(NAMES);
        java.util.List<String> order = new java.util.ArrayList<>(java.util.List.of(NAMES));
        for (int trial = 0; trial < 300; trial++) {
            if (trial % 3 == 0) { // a new order, then the same one twice (the order the reader learned)
                java.util.Collections.shuffle(order, random);
            }
            Map<String, Double> features = new LinkedHashMap<>();
            for (String name : order) {
                features.put(name, random.nextGaussian() * 100);
            }
            Map<String, String> context = trial % 2 == 0 ? Map.of() : Map.of("site", "n" + trial);
            byte[] b = bytes(features, context);
            float[] row = new float[NAMES.length];
            EventRowReader.Header header = reader.read(b, row);
            Event slow = codec.decode(b);
            float[] expected = new float[NAMES.length];
            for (int j = 0; j < NAMES.length; j++) {
                expected[j] = slow.getFeatures().get(NAMES[j]).floatValue();
            }
            assertArrayEquals(expected, row);
            assertEquals(new EventRowReader.Header("e-9", "k", 1234, slow.getContext()), header);
        }
    }

    @Test
    void declinesWhatNeedsTheGeneralPath() {
        EventRowReader reader = new EventRowReader(NAMES);
        float[] row = new float[NAMES.length];
        Map<String, Double> ok = new LinkedHashMap<>();
        for (String n : NAMES) {
            ok.put(n, 1.0);
        }
        Map<String, Double> missing = new LinkedHashMap<>(ok);
        missing.remove("rpm");
        Map<String, Double> extra = new LinkedHashMap<>(ok);
        extra.put("humidity", 3.0);
        Map<String, Double> nan = new LinkedHashMap<>(ok);
        nan.put("flow", Double.NaN);
        Map<String, Double> tooBig = new LinkedHashMap<>(ok);
        tooBig.put("flow", 1e300);
        for (Map<String, Double> f : java.util.List.of(missing, extra, nan, tooBig)) {
            assertNull(reader.read(bytes(f, Map.of()), row), f.toString());
        }
        assertNull(reader.read("garbage!!garbage".getBytes(), row));
        byte[] good = bytes(ok, Map.of());
        assertNull(reader.read(java.util.Arrays.copyOf(good, good.length - 3), row));
        assertEquals("e-9", reader.read(good, row).eventId());
    }

    /** Maps written as blocks with byte sizes (negative counts), as a blocking encoder writes them. */
    @Test
    void readsMapsWrittenInSizedBlocks() throws java.io.IOException {
        Map<String, Double> features = new LinkedHashMap<>();
        for (int j = 0; j < NAMES.length; j++) {
            features.put(NAMES[j], j + 0.5);
        }
        Event event = Event.newBuilder().setEventId("e").setKey("k").setSource("s").setEventTime(Instant.EPOCH)
                .setFeatures(features).setContext(Map.of("a", "b")).build();
        byte[] plain = codec.encode(event);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(plain, 0, 10);
        org.apache.avro.io.BinaryEncoder blocking = org.apache.avro.io.EncoderFactory.get()
                .blockingBinaryEncoder(out, null);
        new org.apache.avro.specific.SpecificDatumWriter<>(Event.class).write(event, blocking);
        blocking.flush();
        byte[] blocked = out.toByteArray();
        float[] row = new float[NAMES.length];
        EventRowReader.Header h = new EventRowReader(NAMES).read(blocked, row);
        assertEquals(new EventRowReader.Header("e", "k", 0, Map.of("a", "b")), h);
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4.5f}, row);
    }

    /**
     * Corrupt and truncated records never throw: the fast path either declines or reads exactly what the general
     * decoder reads.
     */
    @Test
    void corruptBytesAreDeclinedOrReadAsTheGeneralDecoderReadsThem() {
        Random random = new Random(5);
        EventRowReader reader = new EventRowReader(NAMES);
        Map<String, Double> features = new LinkedHashMap<>();
        for (String n : NAMES) {
            features.put(n, random.nextGaussian());
        }
        byte[] good = bytes(features, Map.of("site", "north"));
        int accepted = 0;
        for (int trial = 0; trial < 5_000; trial++) {
            byte[] b = trial % 3 == 0 ? java.util.Arrays.copyOf(good, 10 + random.nextInt(good.length - 10))
                    : good.clone();
            if (trial % 3 != 0) {
                for (int k = 0; k <= trial % 4; k++) {
                    b[10 + random.nextInt(b.length - 10)] = (byte) random.nextInt(256);
                }
            }
            float[] row = new float[NAMES.length];
            EventRowReader.Header h = reader.read(b, row);
            if (h == null) {
                continue;
            }
            accepted++;
            Event slow = codec.decode(b);
            assertEquals(slow.getEventId(), h.eventId());
            assertEquals(slow.getKey(), h.key());
            assertEquals(slow.getEventTime().toEpochMilli(), h.eventTimeMillis());
            assertEquals(slow.getContext(), h.context());
            for (int j = 0; j < NAMES.length; j++) {
                assertEquals(slow.getFeatures().get(NAMES[j]).floatValue(), row[j]);
            }
        }
        assertTrue(accepted > 0 && accepted < 5_000, "accepted " + accepted);
    }
}
