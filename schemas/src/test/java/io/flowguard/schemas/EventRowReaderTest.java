package io.flowguard.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
        for (int trial = 0; trial < 200; trial++) {
            Map<String, Double> features = new LinkedHashMap<>();
            int offset = random.nextInt(NAMES.length);
            for (int j = 0; j < NAMES.length; j++) {
                features.put(NAMES[(j + offset) % NAMES.length], random.nextGaussian() * 100);
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
}
