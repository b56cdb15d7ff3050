package io.flowguard.retrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.score.Calibration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The drift monitor against a calibration fitted on N(0, 1) log-likelihoods: a healthy stream with its 1 % of
 * anomalies never drifts, a shifted or widened one does once the sustain time has passed.
 */
class DriftMonitorTest {

    private static final int WINDOW = 4096;
    private static final long SUSTAIN_MS = 30_000;
    private static final Calibration CALIBRATION = calibration();

    private static Calibration calibration() {
        Random random = new Random(1);
        float[] ll = new float[20_000];
        for (int i = 0; i < ll.length; i++) {
            ll[i] = (float) random.nextGaussian();
        }
        return Calibration.fit(ll);
    }

    /** The retrainer's defaults: 0.5 robust sd of shift, a 1.5x spread, no alert-rate test, 30 s sustained. */
    private static DriftMonitor monitor() {
        DriftMonitor m = new DriftMonitor(WINDOW, 0.5, 1.5, 0, SUSTAIN_MS);
        m.serving("v1", CALIBRATION);
        return m;
    }

    private static void feed(DriftMonitor m, String version, int n, double mean, double sd, Random random) {
        for (int i = 0; i < n; i++) {
            m.add(version, mean + sd * random.nextGaussian(), false);
        }
    }

    @Test
    void aHealthyStreamWithOnePercentAnomaliesNeverDrifts() {
        DriftMonitor m = monitor();
        Random random = new Random(2);
        long now = 0;
        double worst = 0;
        for (int i = 0; i < 40_000; i++) {
            boolean anomaly = random.nextDouble() < 0.01;
            m.add("v1", anomaly ? -50 : random.nextGaussian(), anomaly);
            if (i % 100 == 99) {
                now += 1_000;
                assertFalse(m.drifting(now), "drifting at event " + i + ", score " + m.lastScore());
                if (i >= WINDOW) {
                    worst = Math.max(worst, m.score());
                }
            }
        }
        assertTrue(worst < 0.5, "largest statistic on a healthy stream " + worst);
    }

    @Test
    void aShiftedStreamDriftsOnlyOnceTheSustainTimeHasPassed() {
        DriftMonitor m = monitor();
        Random random = new Random(3);
        feed(m, "v1", WINDOW, -1.5, 1, random);
        double s = m.score();
        // median 1.5 away in robust sd units (1.0), against a threshold of 0.5
        assertEquals(3.0, s, 0.3);
        long t0 = 1_000_000;
        assertFalse(m.drifting(t0));
        assertFalse(m.drifting(t0 + SUSTAIN_MS - 1));
        assertTrue(m.drifting(t0 + SUSTAIN_MS));
        assertEquals(s, m.lastScore(), 1e-12);
    }

    @Test
    void aBurstShorterThanTheSustainTimeIsForgotten() {
        DriftMonitor m = monitor();
        Random random = new Random(4);
        feed(m, "v1", WINDOW, -1.5, 1, random);
        assertFalse(m.drifting(0));
        feed(m, "v1", WINDOW, 0, 1, random); // back to normal before the sustain time is up
        assertFalse(m.drifting(SUSTAIN_MS / 2));
        feed(m, "v1", WINDOW, -1.5, 1, random);
        assertFalse(m.drifting(SUSTAIN_MS), "the timer must restart after the statistic fell below 1");
        assertTrue(m.drifting(2 * SUSTAIN_MS));
    }

    @Test
    void aMoreTypicalOrNarrowerWindowIsNotDrift() {
        DriftMonitor m = monitor();
        Random random = new Random(21);
        feed(m, "v1", WINDOW, 1.5, 1, random);
        assertEquals(0, m.score(), 1e-9, "a higher median: the stream is more typical, not drifted");
        feed(m, "v1", WINDOW, 0, 0.3, random);
        assertEquals(0, m.score(), 1e-9, "a narrower spread: one phase of a cycle, not drift");
        assertFalse(m.drifting(0) || m.drifting(SUSTAIN_MS + 1));
    }

    @Test
    void threeTimesTheSpreadDrifts() {
        DriftMonitor m = monitor();
        Random random = new Random(5);
        feed(m, "v1", WINDOW, 0, 3, random);
        // |log 3| / log 1.5 = 2.71; the median has not moved
        assertEquals(Math.log(3) / Math.log(1.5), m.score(), 0.25);
        assertFalse(m.drifting(0));
        assertTrue(m.drifting(SUSTAIN_MS));
    }

    @Test
    void theAlertRateCeilingCountsAlertedEvents() {
        DriftMonitor m = new DriftMonitor(WINDOW, 0.5, 1.5, 0.05, 0);
        m.serving("v1", CALIBRATION);
        Random random = new Random(6);
        for (int i = 0; i < WINDOW; i++) {
            m.add("v1", random.nextGaussian(), i % 10 == 0); // 10 % alerted, twice the ceiling
        }
        assertEquals(2.0, m.score(), 0.01);
        assertTrue(m.drifting(0));
    }

    @Test
    void scoresOfAnotherModelVersionAreIgnored() {
        DriftMonitor m = monitor();
        Random random = new Random(7);
        feed(m, "v0", 2 * WINDOW, -1.5, 1, random);
        assertTrue(Double.isNaN(m.score()), "another version's scores filled the window");
        feed(m, "v1", WINDOW, 0, 1, random);
        feed(m, "v0", 2 * WINDOW, -1.5, 1, random);
        assertTrue(m.score() < 0.5, "score " + m.score());
        assertFalse(m.drifting(0));
        assertFalse(m.drifting(10 * SUSTAIN_MS));
    }

    @Test
    void nonFiniteScoresAreIgnored() {
        DriftMonitor m = monitor();
        Random random = new Random(8);
        feed(m, "v1", WINDOW - 1, 0, 1, random);
        m.add("v1", Double.NaN, true);
        m.add("v1", Double.NEGATIVE_INFINITY, true);
        assertTrue(Double.isNaN(m.score()));
        feed(m, "v1", 1, 0, 1, random);
        assertTrue(m.score() < 0.5);
    }

    @Test
    void aNewServingVersionStartsAFreshWindow() {
        DriftMonitor m = monitor();
        Random random = new Random(9);
        feed(m, "v1", WINDOW, -1.5, 1, random);
        assertFalse(m.drifting(0));
        assertTrue(m.score() > 1);

        m.serving("v1", CALIBRATION); // the same version again changes nothing
        assertTrue(m.score() > 1);

        m.serving("v2", CALIBRATION);
        assertEquals("v2", m.version());
        assertTrue(Double.isNaN(m.score()));
        assertFalse(m.drifting(SUSTAIN_MS), "the old version's timer carried over");
        assertEquals(0, m.lastScore());
        feed(m, "v2", WINDOW - 1, -1.5, 1, random);
        assertTrue(Double.isNaN(m.score()), "not full yet");
        feed(m, "v2", 1, -1.5, 1, random);
        assertTrue(m.score() > 1);
        assertFalse(m.drifting(2 * SUSTAIN_MS), "drift of the new version starts its own sustain time");
        assertTrue(m.drifting(3 * SUSTAIN_MS));
    }

    @Test
    void beforeAnyModelServesNothingCounts() {
        DriftMonitor m = new DriftMonitor(WINDOW, 0.5, 1.5, 0, 0);
        m.add("v1", 0, false);
        assertTrue(Double.isNaN(m.score()));
        assertFalse(m.drifting(0));
    }
}
