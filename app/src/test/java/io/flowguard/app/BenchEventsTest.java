package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.ScoreResultWriter;
import io.flowguard.schemas.Verdict;
import io.flowguard.schemas.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchEventsTest {

    private final WireCodec<Event> codec = WireCodec.of(Event.class);

    @Test
    void patchedTemplatesAreTheBytesOfTheEncodedEvent() {
        BenchEvents events = new BenchEvents(new StreamBenchCommand.EventFactory(8, 3), 20);
        long now = System.currentTimeMillis();
        for (int n : new int[] {0, 7, 123_456, 999_999_999}) {
            for (int entity : new int[] {0, 19}) {
                byte[] bytes = events.event(entity, n, now + n);
                Event e = codec.decode(bytes);
                assertEquals(String.format("l%09d", n), e.getEventId());
                assertEquals("entity-" + entity, e.getKey());
                assertEquals(Instant.ofEpochMilli(now + n), e.getEventTime());
                assertEquals(8, e.getFeatures().size());
                assertArrayEquals(codec.encode(e), bytes); // nothing else differs from a fresh encoding
                assertEquals("entity-" + entity, new String(events.key(entity), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void featureValuesVaryFromEventToEventLikeStandardNormals() {
        BenchEvents events = new BenchEvents(new StreamBenchCommand.EventFactory(4, 3), 2);
        Set<Double> seen = new HashSet<>();
        double sum = 0;
        double squares = 0;
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            Map<String, Double> f = codec.decode(events.event(1, i, 1_700_000_000_000L)).getFeatures();
            double x = f.get("f0");
            seen.add(x);
            sum += x;
            squares += x * x;
        }
        // random offsets into a pool of 2^20 values: about n^2 / 2^21 = 12 repeats by chance, a replay repeats all
        assertTrue(seen.size() > 0.99 * n, "a replayed template is a stuck sensor: " + seen.size() + " distinct of "
                + n);
        assertEquals(0, sum / n, 0.06);
        assertEquals(1, squares / n, 0.08);
    }

    @Test
    void theEventNumberIsReadFromAScoreResultsBytes() {
        ScoreResultWriter writer = new ScoreResultWriter();
        float[] c = {1, 2};
        assertEquals(4711, BenchEvents.eventNumber(writer.write("l000004711", "k", 1, "v", -1, 1, 0.5, 2, c, 0, 2,
                Verdict.NORMAL)));
        assertEquals(-1, BenchEvents.eventNumber(writer.write("t12", "k", 1, "v", -1, 1, 0.5, 2, c, 0, 2,
                Verdict.NORMAL)));
        assertEquals(-1, BenchEvents.eventNumber(writer.write("l00000x711", "k", 1, "v", -1, 1, 0.5, 2, c, 0, 2,
                Verdict.NORMAL)));
    }
}
