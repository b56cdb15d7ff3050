package io.flowguard.retrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flowguard.schemas.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Events wait out the grace period; alerted ones never reach the window. */
class PoisoningGuardTest {

    private static final long GRACE_MS = 5_000;

    private static Event event(String id) {
        return Event.newBuilder().setEventId(id).setKey("k").setSource("s").setEventTime(Instant.EPOCH)
                .setFeatures(Map.of("x", 1.0)).build();
    }

    private static List<String> release(PoisoningGuard guard, long nowMs) {
        return release(guard, nowMs, true);
    }

    private static List<String> release(PoisoningGuard guard, long nowMs, boolean trustAlerts) {
        List<String> admitted = new ArrayList<>();
        guard.release(nowMs, trustAlerts, e -> admitted.add(e.getEventId()));
        return admitted;
    }

    @Test
    void eventsWaitForTheGracePeriod() {
        PoisoningGuard guard = new PoisoningGuard(GRACE_MS, 1000);
        guard.event(0, event("a"));
        guard.event(1_000, event("b"));
        assertEquals(List.of(), release(guard, GRACE_MS - 1));
        assertEquals(2, guard.waiting());
        assertEquals(List.of("a"), release(guard, GRACE_MS));
        assertEquals(List.of(), release(guard, GRACE_MS + 999));
        assertEquals(List.of("b"), release(guard, GRACE_MS + 1_000));
        assertEquals(0, guard.waiting());
        assertEquals(0, guard.excluded());
    }

    @Test
    void alertedEventsStayOutAndTheOthersAreAdmittedInOrder() {
        PoisoningGuard guard = new PoisoningGuard(GRACE_MS, 1000);
        for (int i = 0; i < 10; i++) {
            guard.event(i * 100L, event("e" + i));
        }
        guard.alerted("e3");
        guard.alerted("e7");
        guard.alerted("never-read"); // an alert for an event this guard has not seen harms nothing
        assertEquals(List.of("e0", "e1", "e2", "e4", "e5", "e6", "e8", "e9"), release(guard, 10 * GRACE_MS));
        assertEquals(2, guard.excluded());
        assertEquals(0, guard.waiting());
    }

    @Test
    void anAlertThatArrivesBeforeItsEventStillCounts() {
        PoisoningGuard guard = new PoisoningGuard(GRACE_MS, 1000);
        guard.alerted("early");
        guard.event(0, event("early"));
        guard.event(0, event("fine"));
        assertEquals(List.of("fine"), release(guard, GRACE_MS));
        assertEquals(1, guard.excluded());
    }

    @Test
    void theAlertedIdsAreBoundedOldestFirst() {
        PoisoningGuard guard = new PoisoningGuard(GRACE_MS, 2);
        guard.alerted("old");
        guard.alerted("mid");
        guard.alerted("new"); // pushes "old" out
        guard.event(0, event("old"));
        guard.event(0, event("mid"));
        guard.event(0, event("new"));
        assertEquals(List.of("old"), release(guard, GRACE_MS));
        assertEquals(2, guard.excluded());
    }

    @Test
    void whileAlertsAreNotTrustedAlertedEventsAreAdmittedAndNotCounted() {
        PoisoningGuard guard = new PoisoningGuard(GRACE_MS, 1000);
        guard.event(0, event("a"));
        guard.event(0, event("b"));
        guard.alerted("a");
        assertEquals(List.of("a", "b"), release(guard, GRACE_MS, false));
        assertEquals(0, guard.excluded());
        // the alert was used up by its event: a later event with the same id is not excluded either
        guard.event(GRACE_MS, event("a"));
        assertEquals(List.of("a"), release(guard, 2 * GRACE_MS, true));
        assertEquals(0, guard.excluded());
    }
}
