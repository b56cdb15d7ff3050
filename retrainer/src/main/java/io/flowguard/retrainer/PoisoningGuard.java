package io.flowguard.retrainer;

import io.flowguard.schemas.Event;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Keeps what the serving model flagged out of the training window: every event waits {@code graceMs} of wall-clock
 * time after it was read (its alert, written by the scorer in the same transaction as its score, arrives meanwhile),
 * then enters the window unless its id was alerted. The alerted ids are a bounded first-in-first-out set, far larger
 * than the number of alerts in one grace period. Not thread-safe: the retrainer's ingest thread owns it.
 */
final class PoisoningGuard {

    private record Held(long readMs, Event event) {}

    private final long graceMs;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final Map<String, Boolean> alerted;
    private long excluded;

    PoisoningGuard(long graceMs, int alertedIdsKept) {
        this.graceMs = graceMs;
        this.alerted = new LinkedHashMap<>(1024, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > alertedIdsKept;
            }
        };
    }

    void event(long nowMs, Event e) {
        held.addLast(new Held(nowMs, e));
    }

    void alerted(String eventId) {
        alerted.put(eventId, Boolean.TRUE);
    }

    /**
     * Hands every event whose grace has passed to {@code admit}, unless it was alerted and {@code trustAlerts}.
     * While the stream has drifted away from the serving model its alerts say "the model is stale", not "this event
     * is an attack", so the caller stops trusting them (the refit's trimmed likelihood still drops the least likely
     * events); otherwise a season change could never be learned.
     */
    void release(long nowMs, boolean trustAlerts, Consumer<Event> admit) {
        while (!held.isEmpty() && nowMs - held.peekFirst().readMs() >= graceMs) {
            Event e = held.pollFirst().event();
            if (alerted.remove(e.getEventId()) != null && trustAlerts) {
                excluded++;
            } else {
                admit.accept(e);
            }
        }
    }

    /** Events kept out so far because they were alerted. */
    long excluded() {
        return excluded;
    }

    int waiting() {
        return held.size();
    }
}
