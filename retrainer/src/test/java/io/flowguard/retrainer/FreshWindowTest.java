package io.flowguard.retrainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training window: its bounds, fairness between keys, horizon, holdout split and spill to a mapped file. */
class FreshWindowTest {

    private static final int FEATURES = 2;

    @TempDir
    Path dir;

    private static FreshWindow heap(int capacity, Duration horizon) {
        return new FreshWindow(capacity, FEATURES, horizon, RowSlab.allocate(capacity, FEATURES, Long.MAX_VALUE,
                Path.of("unused")));
    }

    /** Row {arrival index, key index}: a snapshot row tells which event it was. */
    private static float[] row(int arrival, int key) {
        return new float[] {arrival, key};
    }

    @Test
    void neverHoldsMoreThanItsCapacity() {
        SplittableRandom random = new SplittableRandom(1);
        try (FreshWindow w = heap(100, Duration.ZERO)) {
            for (int i = 0; i < 5000; i++) {
                w.add("k" + random.nextInt(30), i, row(i, 0));
                assertEquals(Math.min(i + 1, 100), w.size(), "after event " + i);
            }
            int total = 0;
            for (int k = 0; k < 30; k++) {
                total += w.eventsOf("k" + k);
            }
            assertEquals(100, total);
        }
    }

    @Test
    void aChattyKeyCannotCrowdOutTheQuietOnes() {
        int capacity = 2000;
        int quietKeys = 50;
        SplittableRandom random = new SplittableRandom(2);
        Map<String, Integer> sent = new HashMap<>();
        try (FreshWindow w = heap(capacity, Duration.ZERO)) {
            for (int i = 0; i < 10_000; i++) {
                String key = random.nextDouble() < 0.9 ? "chatty" : "quiet-" + random.nextInt(quietKeys);
                sent.merge(key, 1, Integer::sum);
                w.add(key, i, row(i, 0));
            }
            assertEquals(capacity, w.size());
            assertEquals(quietKeys + 1, w.keys());
            int quietHeld = 0;
            for (int k = 0; k < quietKeys; k++) {
                String key = "quiet-" + k;
                assertTrue(sent.get(key) > 0, key + " sent nothing; the test needs every quiet key");
                assertEquals(sent.get(key), w.eventsOf(key), key + " lost events to the chatty key");
                quietHeld += w.eventsOf(key);
            }
            // about 1,000 quiet events in all, against the ~9,000 of the chatty key
            assertTrue(quietHeld > 800 && quietHeld < 1200, "quiet events " + quietHeld);
            assertEquals(capacity - quietHeld, w.eventsOf("chatty"));
        }
    }

    @Test
    void theHorizonDropsEventsOlderThanTheNewestMinusTheHorizon() {
        try (FreshWindow w = heap(100, Duration.ofSeconds(10))) {
            w.add("a", 0, row(0, 0));
            w.add("a", 5_000, row(1, 0));
            w.add("b", 10_000, row(2, 1));
            assertEquals(3, w.size());
            w.add("b", 15_000, row(3, 1)); // cutoff 5,000: the event at 0 goes, the one at 5,000 (not older) stays
            assertEquals(3, w.size());
            assertEquals(1, w.eventsOf("a"));
            w.add("b", 30_000, row(4, 1)); // cutoff 20,000
            assertEquals(1, w.size());
            assertEquals(0, w.eventsOf("a"));
            assertEquals(1, w.keys());
            FreshWindow.Snapshot s = w.snapshot(0, 1);
            assertEquals(30_000, s.firstEventMs());
            assertEquals(30_000, s.lastEventMs());
            assertEquals(4f, s.train().get(0, 0));
        }
    }

    /**
     * With a horizon, an old but still young enough event at the head of the arrival queue kept every dead entry
     * that fairness evictions left behind it: the queue grew with the stream, not with the window.
     */
    @Test
    void theArrivalQueueStaysBoundedUnderAHorizon() throws ReflectiveOperationException {
        try (FreshWindow w = heap(10, Duration.ofHours(1))) {
            w.add("quiet", 0, row(0, 0));
            for (int i = 1; i <= 10_000; i++) {
                w.add("chatty", i, row(i, 1));
            }
            assertEquals(10, w.size());
            assertEquals(1, w.eventsOf("quiet"));
            Field f = FreshWindow.class.getDeclaredField("arrival");
            f.setAccessible(true);
            int queued = ((ArrayDeque<?>) f.get(w)).size();
            assertTrue(queued <= 2 * 10 + 1, "arrival queue holds " + queued + " entries for a window of 10");
        }
    }

    /** Four keys with interleaved arrivals and event counts whose 20 % share is never whole. */
    private static void fill(FreshWindow w, int[] counts, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] left = counts.clone();
        int remaining = java.util.Arrays.stream(counts).sum();
        for (int i = 0; remaining > 0; ) {
            int k = random.nextInt(counts.length);
            if (left[k] > 0) {
                left[k]--;
                remaining--;
                w.add("key-" + k, 1_000L + i, row(i, k));
                i++;
            }
        }
    }

    @Test
    void theSnapshotHoldsOutTheNewestShareOfEveryKey() {
        int[] counts = {101, 203, 307, 59};
        int total = 670;
        try (FreshWindow w = heap(1000, Duration.ZERO)) {
            fill(w, counts, 3);
            assertEquals(total, w.size());
            FreshWindow.Snapshot s = w.snapshot(0.2, 7);
            assertEquals(total, s.train().rows() + s.holdout().rows());
            assertEquals(total, s.events());
            assertEquals(FEATURES, s.train().cols());
            assertEquals(s.train().rows(), s.trainKeys().length);
            // each key holds out floor or ceil of 20 % of its events, so the total is within one per key
            assertTrue(Math.abs(s.holdout().rows() - 0.2 * total) < counts.length, "holdout " + s.holdout().rows());

            int[] trained = new int[counts.length];
            int[] lastTrained = {-1, -1, -1, -1};
            int previousKey = -1;
            boolean[] done = new boolean[counts.length];
            for (int r = 0; r < s.train().rows(); r++) {
                int arrival = (int) s.train().get(r, 0);
                int key = (int) s.train().get(r, 1);
                assertEquals("key-" + key, s.trainKeys()[r], "row " + r);
                if (key != previousKey) {
                    assertFalse(done[key], "rows of key-" + key + " are not together");
                    if (previousKey >= 0) {
                        done[previousKey] = true;
                    }
                    previousKey = key;
                }
                assertTrue(arrival > lastTrained[key], "key-" + key + " out of arrival order at row " + r);
                lastTrained[key] = arrival;
                trained[key]++;
            }
            int[] held = new int[counts.length];
            for (int r = 0; r < s.holdout().rows(); r++) {
                int arrival = (int) s.holdout().get(r, 0);
                int key = (int) s.holdout().get(r, 1);
                assertTrue(arrival > lastTrained[key], "held-out event " + arrival + " of key-" + key
                        + " is older than a training one");
                held[key]++;
            }
            for (int k = 0; k < counts.length; k++) {
                assertEquals(counts[k], trained[k] + held[k]);
                double share = 0.2 * counts[k];
                assertTrue(held[k] == (int) Math.floor(share) || held[k] == (int) Math.ceil(share),
                        "key-" + k + " held out " + held[k] + " of " + counts[k]);
            }
            assertEquals(1_000, s.firstEventMs());
            assertEquals(1_000 + total - 1, s.lastEventMs());

            FreshWindow.Snapshot again = w.snapshot(0.2, 7);
            assertArrayEquals(s.holdout().values(), again.holdout().values(), "same seed, same split");
        }
    }

    @Test
    void keysWithOneEventEachContributeToTheHoldoutInProportion() {
        try (FreshWindow w = heap(1000, Duration.ZERO)) {
            for (int i = 0; i < 1000; i++) {
                w.add("k" + i, i, row(i, 0));
            }
            int held = w.snapshot(0.2, 11).holdout().rows();
            // Binomial(1000, 0.2): mean 200, sd 12.6
            assertTrue(Math.abs(held - 200) < 50, "held out " + held + " of 1000 single-event keys");
        }
    }

    private List<Path> spillFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".f32")).toList();
        }
    }

    @Test
    void aSpilledWindowGivesTheSameSnapshotAndDeletesItsFileOnClose() throws IOException {
        int capacity = 500;
        int[] counts = {301, 203, 407, 89}; // 1,000 events: the window is full and evicts
        FreshWindow.Snapshot fromHeap;
        try (FreshWindow w = heap(capacity, Duration.ZERO)) {
            assertFalse(w.spilled());
            fill(w, counts, 5);
            fromHeap = w.snapshot(0.25, 9);
        }
        FreshWindow spilled = new FreshWindow(capacity, FEATURES, Duration.ZERO,
                RowSlab.allocate(capacity, FEATURES, 0, dir));
        try {
            assertTrue(spilled.spilled());
            assertEquals(1, spillFiles().size());
            assertEquals((long) capacity * FEATURES * Float.BYTES, Files.size(spillFiles().get(0)));
            fill(spilled, counts, 5);
            FreshWindow.Snapshot fromFile = spilled.snapshot(0.25, 9);
            assertEquals(capacity, fromFile.events());
            assertArrayEquals(fromHeap.train().values(), fromFile.train().values());
            assertArrayEquals(fromHeap.holdout().values(), fromFile.holdout().values());
            assertArrayEquals(fromHeap.trainKeys(), fromFile.trainKeys());
            assertEquals(fromHeap.firstEventMs(), fromFile.firstEventMs());
            assertEquals(fromHeap.lastEventMs(), fromFile.lastEventMs());
        } finally {
            spilled.close();
        }
        assertEquals(List.of(), spillFiles());
    }

    @Test
    void aSnapshotSinceTheDriftBeganLeavesTheOlderEventsOut() {
        FreshWindow w = heap(100, Duration.ZERO);
        for (int i = 0; i < 40; i++) {
            w.add("k" + (i % 4), i, row(i, i % 4), 1000 + i);
        }
        assertEquals(15, w.eventsSince(1025));
        FreshWindow.Snapshot s = w.snapshot(0.2, 3, 1025);
        assertEquals(15, s.events());
        for (int i = 0; i < s.train().rows(); i++) {
            assertTrue(s.train().get(i, 0) >= 25, "an event from before the onset: " + s.train().get(i, 0));
        }
        for (int i = 0; i < s.holdout().rows(); i++) {
            assertTrue(s.holdout().get(i, 0) >= 25);
        }
        assertEquals(40, w.snapshot(0.2, 3).events(), "the whole window without a bound");
        w.close();
    }
}
