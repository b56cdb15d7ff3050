package io.flowguard.retrainer;

import io.flowguard.model.data.Matrix;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The retrainer's training window: the newest events, at most {@code capacity} of them and (when a horizon is set)
 * none older than the horizon before the newest event time. When the window is full, the next event evicts the
 * oldest event of the entity that holds the most events, so one chatty entity cannot crowd out the rest: every key
 * keeps about {@code capacity / keys} events once the window is contended. Rows live in a {@link RowSlab} (heap, or
 * a mapped file beyond the memory cap). Not thread-safe: the retrainer's ingest thread owns it and takes
 * {@link #snapshot}s under its own lock.
 */
final class FreshWindow implements AutoCloseable {

    /** One event in the window. */
    private static final class Entry {
        final Ring ring;
        final long time;
        final long admittedMs;
        final int slot;
        boolean alive = true;

        Entry(Ring ring, long time, long admittedMs, int slot) {
            this.ring = ring;
            this.time = time;
            this.admittedMs = admittedMs;
            this.slot = slot;
        }
    }

    /** The events of one key, oldest first. */
    private static final class Ring {
        final String key;
        final ArrayDeque<Entry> events = new ArrayDeque<>();

        Ring(String key) {
            this.key = key;
        }
    }

    /**
     * @param train training rows grouped by key, each key's rows in arrival order
     * @param trainKeys the key of each training row
     * @param holdout the newest share of every key's events, kept out of training for the validation gate
     */
    record Snapshot(Matrix train, String[] trainKeys, Matrix holdout, long firstEventMs, long lastEventMs) {
        int events() {
            return train.rows() + holdout.rows();
        }
    }

    private final int capacity;
    private final int features;
    private final long horizonMs;
    private final RowSlab slab;
    private final Map<String, Ring> rings = new LinkedHashMap<>();
    /** Keys by their number of events, for eviction from the largest. */
    private final Map<Integer, LinkedHashSet<Ring>> bySize = new HashMap<>();
    private final ArrayDeque<Entry> arrival = new ArrayDeque<>();
    private final int[] freeSlots;
    private int free;
    private int size;
    private int maxSize;
    private long newestMs = Long.MIN_VALUE;

    FreshWindow(int capacity, int features, Duration horizon, RowSlab slab) {
        if (capacity < 1 || slab.slots < capacity || slab.features != features) {
            throw new IllegalArgumentException("expected a slab of " + capacity + " x " + features + ", got "
                    + slab.slots + " x " + slab.features);
        }
        this.capacity = capacity;
        this.features = features;
        this.horizonMs = horizon.isZero() ? Long.MAX_VALUE : horizon.toMillis();
        this.slab = slab;
        this.freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            freeSlots[i] = capacity - 1 - i;
        }
        this.free = capacity;
    }

    int size() {
        return size;
    }

    int keys() {
        return rings.size();
    }

    int features() {
        return features;
    }

    boolean spilled() {
        return slab.spilled();
    }

    /** Adds one event's row (copied); evicts by age, then from the largest key when full. */
    void add(String key, long eventTimeMs, float[] row) {
        add(key, eventTimeMs, row, 0);
    }

    /** As above, remembering the wall-clock time the event entered the window ({@link #snapshot(double, long, long)}). */
    void add(String key, long eventTimeMs, float[] row, long admittedMs) {
        newestMs = Math.max(newestMs, eventTimeMs);
        expire();
        if (size == capacity) {
            evictFromLargest();
        }
        Ring ring = rings.computeIfAbsent(key, Ring::new);
        int slot = freeSlots[--free];
        slab.put(slot, row);
        Entry e = new Entry(ring, eventTimeMs, admittedMs, slot);
        move(ring, ring.events.size(), ring.events.size() + 1);
        ring.events.addLast(e);
        arrival.addLast(e);
        size++;
    }

    /** Drops events older than the horizon before the newest event time. */
    private void expire() {
        if (horizonMs == Long.MAX_VALUE) {
            compactArrivals();
            return;
        }
        long cutoff = newestMs - horizonMs;
        while (!arrival.isEmpty() && (!arrival.peekFirst().alive || arrival.peekFirst().time < cutoff)) {
            Entry e = arrival.pollFirst();
            if (e.alive) {
                Entry head = e.ring.events.pollFirst();
                assert head == e;
                release(e);
            }
        }
        compactArrivals(); // an alive event young enough to stay keeps the dead ones behind it in the queue
    }

    /** Fairness evictions leave dead entries in the arrival queue; drop them before it outgrows the window. */
    private void compactArrivals() {
        if (arrival.size() > 2 * capacity) {
            arrival.removeIf(e -> !e.alive);
        }
    }

    private void evictFromLargest() {
        Ring ring = bySize.get(maxSize).iterator().next();
        release(ring.events.pollFirst());
    }

    /** Frees an entry already taken off its ring. */
    private void release(Entry e) {
        e.alive = false;
        freeSlots[free++] = e.slot;
        size--;
        Ring ring = e.ring;
        move(ring, ring.events.size() + 1, ring.events.size());
        if (ring.events.isEmpty()) {
            rings.remove(ring.key);
        }
    }

    private void move(Ring ring, int from, int to) {
        if (from > 0) {
            LinkedHashSet<Ring> bucket = bySize.get(from);
            bucket.remove(ring);
            if (bucket.isEmpty()) {
                bySize.remove(from);
                if (from == maxSize && to < from) {
                    maxSize = to;
                }
            }
        }
        if (to > 0) {
            bySize.computeIfAbsent(to, k -> new LinkedHashSet<>()).add(ring);
            maxSize = Math.max(maxSize, to);
        }
    }

    /**
     * Copies the window out: the newest {@code holdoutFraction} of every key's events (rounded at random, seeded, so
     * that keys with few events contribute in proportion) form the holdout; the rest train, grouped by key.
     */
    Snapshot snapshot(double holdoutFraction, long seed) {
        return snapshot(holdoutFraction, seed, Long.MIN_VALUE);
    }

    /** Events that entered the window at or after {@code sinceMs} (wall clock). */
    int eventsSince(long sinceMs) {
        int n = 0;
        for (Ring ring : rings.values()) {
            for (Entry e : ring.events) {
                n += e.admittedMs >= sinceMs ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * As {@link #snapshot(double, long)}, over the events that entered the window at or after {@code sinceMs} only
     * (after drift: the new regime, without the old one mixed in).
     */
    Snapshot snapshot(double holdoutFraction, long seed, long sinceMs) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> keys = new ArrayList<>(size);
        float[] train = new float[size * features];
        float[] holdout = new float[size * features];
        int nTrain = 0;
        int nHoldout = 0;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (Ring ring : rings.values()) {
            int n = 0;
            for (Entry e : ring.events) {
                n += e.admittedMs >= sinceMs ? 1 : 0;
            }
            double share = holdoutFraction * n;
            int held = (int) share + (random.nextDouble() < share - (int) share ? 1 : 0);
            int i = 0;
            for (Entry e : ring.events) {
                if (e.admittedMs < sinceMs) {
                    continue;
                }
                if (i++ < n - held) {
                    slab.get(e.slot, train, nTrain++ * features);
                    keys.add(ring.key);
                } else {
                    slab.get(e.slot, holdout, nHoldout++ * features);
                }
                first = Math.min(first, e.time);
                last = Math.max(last, e.time);
            }
        }
        return new Snapshot(new Matrix(nTrain, features, java.util.Arrays.copyOf(train, nTrain * features)),
                keys.toArray(String[]::new),
                new Matrix(nHoldout, features, java.util.Arrays.copyOf(holdout, nHoldout * features)), first, last);
    }

    /** Events of {@code key} now in the window (tests, diagnostics). */
    int eventsOf(String key) {
        Ring r = rings.get(key);
        return r == null ? 0 : r.events.size();
    }

    @Override
    public void close() {
        slab.close();
    }
}
