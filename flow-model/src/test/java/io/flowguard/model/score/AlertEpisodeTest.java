package io.flowguard.model.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.score.AlertEpisode.Transition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertEpisodeTest {

    @Test
    void fiftyAlertsInARowAreOneEpisodeThatResolvesAfterTheQuietEvents() {
        AlertEpisode e = new AlertEpisode();
        List<Transition> seen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            seen.add(e.observe("n" + i, i, false, false, null, 4));
        }
        for (int i = 10; i < 60; i++) {
            seen.add(e.observe("a" + i, i, true, false, "LOW_DENSITY", 4));
        }
        assertEquals("a10", e.id());
        assertEquals(50, e.alerts());
        assertEquals(10, e.openedAt());
        assertEquals(59, e.lastAlertAt());
        for (int i = 60; i < 64; i++) {
            seen.add(e.observe("n" + i, i, false, false, null, 4));
        }
        assertEquals(1, seen.stream().filter(t -> t == Transition.OPENED).count());
        assertEquals(Transition.RESOLVED, seen.get(seen.size() - 1));
        assertEquals(62, seen.stream().filter(t -> t == Transition.NONE).count());
        assertTrue(e.isOpen(), "resolved but not cleared: the caller still reads it");
        e.clear();
        assertFalse(e.isOpen());
        assertEquals(Transition.OPENED, e.observe("b", 70, true, true, "WINDOW_TYPICALITY", 4));
    }

    @Test
    void anAlertWithinTheQuietStretchKeepsTheEpisodeAndACriticalOneEscalatesOnce() {
        AlertEpisode e = new AlertEpisode();
        assertEquals(Transition.OPENED, e.observe("a", 1, true, false, "LOW_DENSITY", 3));
        assertEquals(Transition.NONE, e.observe("b", 2, false, false, null, 3));
        assertEquals(Transition.NONE, e.observe("c", 3, false, false, null, 3));
        assertEquals(Transition.ESCALATED, e.observe("d", 4, true, true, "LOW_DENSITY", 3));
        assertEquals(Transition.NONE, e.observe("e", 5, true, true, "LOW_DENSITY", 3));
        assertEquals(0, e.quiet());
        assertEquals(3, e.alerts());
        assertTrue(e.critical());
        assertEquals("a", e.id());
    }

    @Test
    void bytesRoundTripAndUnknownFormatsAreRefused() {
        AlertEpisode e = new AlertEpisode();
        e.observe("évent-1", 123_456_789_000L, true, true, "HIGH_DENSITY_ATYPICAL", 8);
        e.observe("x", 123_456_790_000L, false, false, null, 8);
        AlertEpisode back = AlertEpisode.fromBytes(e.toBytes());
        assertEquals("évent-1", back.id());
        assertEquals("HIGH_DENSITY_ATYPICAL", back.reason());
        assertEquals(123_456_789_000L, back.openedAt());
        assertEquals(1, back.quiet());
        assertEquals(1, back.alerts());
        assertTrue(back.critical());
        assertFalse(AlertEpisode.fromBytes(new AlertEpisode().toBytes()).isOpen());
        assertNull(AlertEpisode.fromBytes(null).id());
        byte[] bytes = e.toBytes();
        bytes[0] = 9;
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> AlertEpisode.fromBytes(bytes));
        assertEquals("expected alert episode format 1, got 9", x.getMessage());
        assertThrows(IllegalArgumentException.class, () -> e.observe("y", 1, false, false, null, 0));
    }
}
