package io.flowguard.model.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.score.AlertPolicy.Rule;
import io.flowguard.model.score.AlertPolicy.Verdict;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The window tests on streams whose events are not independent (issue 15, section 2): the run-of-repeats tail is
 * taken from each entity's own events in time order, and a single stream (no keys) has its window bands from a
 * moving-block bootstrap.
 */
class WindowCalibrationTest {

    private static final double TARGET = 0.02;
    private static final double SHARE = TARGET * Thresholds.WINDOW_SHARE_PER_TEST;

    /** keys x perKey AR(1) log-likelihoods in stream order (keys interleaved; one stream when keys is 1). */
    private static float[] autocorrelated(int keys, int perKey, double phi, long seed, String[] keyOf) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] state = new double[keys];
        float[] out = new float[keys * perKey];
        for (int i = 0; i < out.length; i++) {
            int k = i % keys;
            state[k] = phi * state[k] + Math.sqrt(1 - phi * phi) * r.nextGaussian();
            out[i] = (float) (-10 + 2 * state[k]);
            keyOf[i] = "k" + k;
        }
        return out;
    }

    /**
     * Entities that wander slowly (AR(1), phi = 0.99): consecutive scores sit much closer than two events of the
     * entity drawn at random, and a run is a chain of gaps sharing events, so {@code p^r} from all pairs understates
     * long runs. The run tail counted in time order holds: on fresh streams the share of events at or past the
     * threshold run length is within 2x of what the calibration says it is, and at most 2x the budget.
     */
    @Test
    void runsOfASlowlyWanderingEntityAlertAtTheirCalibratedRate() {
        int keys = 20;
        String[] keyOf = new String[keys * 5_000];
        float[] series = autocorrelated(keys, 5_000, 0.99, 3, keyOf);
        Calibration c = Calibration.fit(series, null, Calibration.DEFAULT_WINDOW, 5, series, keyOf);
        Thresholds t = new AlertPolicy(TARGET, Rule.GUARDED).thresholds(c, 2);
        String[] freshKeys = new String[keys * 20_000];
        float[] fresh = autocorrelated(keys, 20_000, 0.99, 6, freshKeys);
        TypicalityWindows windows = new TypicalityWindows(t.window());
        long repeats = 0;
        for (int i = 0; i < fresh.length; i++) {
            TypicalityWindow w = windows.of(freshKeys[i], "m");
            w.add(fresh[i], c, "m");
            repeats += t.runLength() > 0 && w.run() >= t.runLength() ? 1 : 0;
        }
        double observed = (double) repeats / fresh.length;
        double calibrated = t.runLength() > 0 ? c.runTail()[t.runLength() - 1] : 0;
        System.out.printf("runs, AR(1) phi 0.99: threshold %d repeats, calibrated tail %.2e, observed %.2e, budget"
                + " %.2e%n", t.runLength(), calibrated, observed, SHARE);
        assertTrue(t.runLength() > 0, "the run test is on");
        assertTrue(observed < 2 * SHARE, "observed run alert rate " + observed + ", budget " + SHARE);
        assertTrue(observed < 2 * calibrated && observed > calibrated / 2, "observed run alert rate " + observed
                + ", calibrated " + calibrated);
    }

    /**
     * Keys with one or two events each say nothing about how often an entity repeats itself: the run test is off
     * (not at a threshold of one repeat, which made any two close consecutive scores of a key alert).
     */
    @Test
    void withoutEnoughEventsPerKeyTheRunTestIsOff() {
        SplittableRandom r = new SplittableRandom(8);
        int n = 20_000;
        float[] ll = new float[n];
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            ll[i] = (float) (-10 + 2 * r.nextGaussian());
            keys[i] = "card" + (i / (1 + i % 2 + 1));
        }
        Calibration c = Calibration.fit(ll, null, Calibration.DEFAULT_WINDOW, 1, ll, keys);
        Thresholds t = new AlertPolicy(1e-4, Rule.GUARDED).thresholds(c, 2);
        assertEquals(0, t.runLength(), "run threshold");
        TypicalityWindow w = new TypicalityWindow(t.window(), "m");
        for (int i = 0; i < t.window() - 1; i++) { // short of a full window: only the run test could alert
            Decision d = t.decide(c.mean(), 2, w, "m");
            assertNotEquals(Verdict.WINDOW_TYPICALITY, d.verdict(), "event " + i + " of a repeating key");
        }
        assertEquals(t.window() - 2, w.run());
    }

    /**
     * One stream (a single sensor, no keys), AR(1) with phi = 0.9: a window's mean varies about 4x more, and its
     * spread is smaller, than for independent events. Window bands from a moving-block bootstrap of the stream hold
     * within 3x of their budget on a fresh stream; the same values shuffled (so the bootstrap sees independent
     * events) give bands that alert more than 10x too often.
     */
    @Test
    void windowBandsOfASingleAutocorrelatedStreamHoldTheirRate() {
        String[] ignored = new String[100_000];
        float[] series = autocorrelated(1, 100_000, 0.9, 13, ignored);
        float[] shuffled = series.clone();
        SplittableRandom r = new SplittableRandom(14);
        for (int i = shuffled.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            float x = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = x;
        }
        float[] fresh = autocorrelated(1, 400_000, 0.9, 15, new String[400_000]);
        double expected = 3 * SHARE; // mean too low, mean too high, spread too small
        double blocks = bandRate(Calibration.fit(series, null, Calibration.DEFAULT_WINDOW, 5), fresh);
        double independent = bandRate(Calibration.fit(shuffled, null, Calibration.DEFAULT_WINDOW, 5), fresh);
        System.out.printf("single stream, AR(1) phi 0.9: window-band alert rate %.2e from the stream, %.2e from"
                + " its values shuffled, budget %.2e%n", blocks, independent, expected);
        assertTrue(blocks < 3 * expected && blocks > expected / 3, "window-band alert rate " + blocks
                + ", budget " + expected);
        assertTrue(independent > 10 * expected, "independent draws: " + independent + ", budget " + expected);
    }

    /** Share of full windows of one stream outside the mean band or under the spread floor. */
    private static double bandRate(Calibration c, float[] values) {
        Thresholds t = new AlertPolicy(TARGET, Rule.GUARDED).thresholds(c, 2);
        TypicalityWindow w = new TypicalityWindow(t.window(), "m");
        long tested = 0;
        long flagged = 0;
        for (float v : values) {
            double mean = w.add(v, c, "m");
            if (!Double.isNaN(mean)) {
                tested++;
                flagged += mean < t.lowWindowMean() || mean > t.highWindowMean() || w.logSd() < t.lowWindowLogSd()
                        ? 1 : 0;
            }
        }
        return (double) flagged / tested;
    }
}
