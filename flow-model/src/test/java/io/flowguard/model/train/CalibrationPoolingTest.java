package io.flowguard.model.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * When the training rows may join the calibration (issue 15, section 2): a flow that scores its training rows as it
 * scores held-out ones on average may still have memorised their tail, and the thresholds live in the tail.
 */
class CalibrationPoolingTest {

    private static final int TRAINED = 36_000;
    private static final int HELD_OUT = 4_000;

    /** Log-likelihoods of a long lower tail: 2 - Gamma(2, 1), mean 0, sd sqrt 2. */
    private static float[] longTail(int n, SplittableRandom r) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (2 + Math.log(r.nextDouble()) + Math.log(r.nextDouble()));
        }
        return out;
    }

    /** The same mean and spread with a Gaussian lower tail: the tail points scored higher, as if memorised. */
    private static float[] shortTail(int n, SplittableRandom r) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (Math.sqrt(2) * r.nextGaussian());
        }
        return out;
    }

    @Test
    void equalMeansWithDifferentTailsAreNotPooled() {
        for (long seed = 1; seed <= 5; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            assertFalse(ModelFitter.pool(shortTail(TRAINED, r), longTail(HELD_OUT, r)), "seed " + seed
                    + ": a training tail lighter than the held-out one");
            assertFalse(ModelFitter.pool(longTail(TRAINED, r), shortTail(HELD_OUT, r)), "seed " + seed
                    + ": a training tail heavier than the held-out one");
        }
    }

    @Test
    void rowsScoredAlikeArePooled() {
        for (long seed = 1; seed <= 20; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            assertTrue(ModelFitter.pool(longTail(TRAINED, r), longTail(HELD_OUT, r)), "seed " + seed);
            assertTrue(ModelFitter.pool(shortTail(TRAINED, r), shortTail(HELD_OUT, r)), "seed " + seed);
        }
    }

    /**
     * Rows that are not pooled still give the window tests their order (an entity's level, its wander): on the
     * held-out scale, rank for rank.
     */
    @Test
    void unpooledTrainingRowsEnterTheWindowsOnTheHeldOutScale() {
        SplittableRandom r = new SplittableRandom(3);
        float[] trained = shortTail(TRAINED, r);
        float[] heldOut = longTail(HELD_OUT, r);
        float[] mapped = ModelFitter.onHeldOutScale(trained, heldOut);
        float[] sortedMapped = mapped.clone();
        float[] sortedHeldOut = heldOut.clone();
        java.util.Arrays.sort(sortedMapped);
        java.util.Arrays.sort(sortedHeldOut);
        for (double p : new double[] {0.01, 0.05, 0.5, 0.95}) {
            double a = sortedMapped[(int) (p * TRAINED)];
            double b = sortedHeldOut[(int) (p * HELD_OUT)];
            assertTrue(Math.abs(a - b) < 0.05, "quantile " + p + ": " + a + " against held-out " + b);
        }
        for (int i = 1; i < 1000; i++) {
            assertTrue(Float.compare(trained[i], trained[i - 1]) * Float.compare(mapped[i], mapped[i - 1]) >= 0,
                    "order kept at row " + i);
        }
        assertTrue(ModelFitter.pool(mapped, heldOut), "mapped rows agree with the held-out ones");
    }
}
