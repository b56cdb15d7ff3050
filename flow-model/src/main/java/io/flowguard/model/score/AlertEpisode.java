package io.flowguard.model.score;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One key's alert episode: the per-event decisions of a key folded into incidents, so that an incident is one page,
 * not one per event. An episode opens with the key's first alerted event, absorbs every alert that follows while it
 * lasts, escalates once if a later alert is critical and the opening one was not, and resolves after
 * {@code clearAfter} normal events in a row (the window test's null hypothesis again: by default a typicality
 * window's worth of clean events). Small and serialisable ({@link #toBytes}, version byte first), so that a stream
 * keeps it per key in a state store beside the typicality window. Not thread-safe: one key, one thread.
 */
public final class AlertEpisode {

    /** What an event did to its key's episode. */
    public enum Transition {
        /** Nothing to announce: no episode, or an alert folded into the open one, or a quiet event counted. */
        NONE,
        /** The key turned anomalous: a new episode, named after this event. */
        OPENED,
        /** The open episode became critical. */
        ESCALATED,
        /** The key has been normal for {@code clearAfter} events: the episode is over. */
        RESOLVED
    }

    private static final byte FORMAT = 1;
    /** Normal events in a row that resolve an episode when the policy has no typicality window. */
    public static final int CLEAR_WITHOUT_WINDOW = 8;

    private String id;
    private String reason;
    private long openedAt;
    private long lastAlertAt;
    private int alerts;
    private int quiet;
    private boolean critical;

    /**
     * Normal events in a row that resolve an episode under a policy with windows of {@code window} events: a full
     * window of clean events, after which the window tests judge the key afresh ({@link #CLEAR_WITHOUT_WINDOW}
     * without windows).
     */
    public static int clearAfter(int window) {
        return window > 0 ? window : CLEAR_WITHOUT_WINDOW;
    }

    /**
     * Folds one event of the key into its episode.
     *
     * @param alert whether the decision layer flagged the event
     * @param critical whether that alert is critical
     * @param reason the alert's verdict name (kept from the opening alert)
     * @param clearAfter normal events in a row that end an episode (at least 1)
     */
    public Transition observe(String eventId, long eventTimeMs, boolean alert, boolean critical, String reason,
            int clearAfter) {
        if (clearAfter < 1) {
            throw new IllegalArgumentException("expected an episode to clear after at least 1 normal event, got "
                    + clearAfter);
        }
        if (alert) {
            quiet = 0;
            lastAlertAt = eventTimeMs;
            if (id == null) {
                id = eventId;
                this.reason = reason;
                openedAt = eventTimeMs;
                alerts = 1;
                this.critical = critical;
                return Transition.OPENED;
            }
            alerts++;
            if (critical && !this.critical) {
                this.critical = true;
                return Transition.ESCALATED;
            }
            return Transition.NONE;
        }
        if (id == null) {
            return Transition.NONE;
        }
        if (++quiet >= clearAfter) {
            return Transition.RESOLVED; // the caller reads the episode, then calls clear()
        }
        return Transition.NONE;
    }

    /** Forgets a resolved episode (after its resolution was announced). */
    public void clear() {
        id = null;
        reason = null;
        openedAt = 0;
        lastAlertAt = 0;
        alerts = 0;
        quiet = 0;
        critical = false;
    }

    /** Whether an episode is open (or resolved and not yet cleared). */
    public boolean isOpen() {
        return id != null;
    }

    /** The event id that opened the episode (its identity), or null. */
    public String id() {
        return id;
    }

    /** The verdict name of the opening alert. */
    public String reason() {
        return reason;
    }

    /** Event time of the opening alert, epoch milliseconds. */
    public long openedAt() {
        return openedAt;
    }

    /** Event time of the latest alert, epoch milliseconds. */
    public long lastAlertAt() {
        return lastAlertAt;
    }

    /** Alerted events in the episode so far. */
    public int alerts() {
        return alerts;
    }

    /** Normal events in a row since the latest alert. */
    public int quiet() {
        return quiet;
    }

    public boolean critical() {
        return critical;
    }

    public byte[] toBytes() {
        byte[] i = id == null ? new byte[0] : id.getBytes(StandardCharsets.UTF_8);
        byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 1 + 2 + i.length + 2 + r.length + 8 + 8 + 4 + 4 + 1);
        b.put(FORMAT).put((byte) (id == null ? 0 : 1)).putShort((short) i.length).put(i).putShort((short) r.length)
                .put(r).putLong(openedAt).putLong(lastAlertAt).putInt(alerts).putInt(quiet)
                .put((byte) (critical ? 1 : 0));
        return b.array();
    }

    /**
     * Restores an episode (null bytes: none open).
     *
     * @throws IllegalArgumentException on an unknown format version
     */
    public static AlertEpisode fromBytes(byte[] bytes) {
        AlertEpisode e = new AlertEpisode();
        if (bytes == null) {
            return e;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalArgumentException("expected alert episode format " + FORMAT + ", got " + format);
        }
        boolean open = b.get() == 1;
        byte[] i = new byte[b.getShort()];
        b.get(i);
        byte[] r = new byte[b.getShort()];
        b.get(r);
        e.id = open ? new String(i, StandardCharsets.UTF_8) : null;
        e.reason = open ? new String(r, StandardCharsets.UTF_8) : null;
        e.openedAt = b.getLong();
        e.lastAlertAt = b.getLong();
        e.alerts = b.getInt();
        e.quiet = b.getInt();
        e.critical = b.get() == 1;
        return e;
    }
}
