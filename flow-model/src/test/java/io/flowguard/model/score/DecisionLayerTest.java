package io.flowguard.model.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.score.AlertPolicy.Rule;
import io.flowguard.model.score.AlertPolicy.Verdict;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The decision layer on scores with a known distribution: events whose latent is exactly standard normal in d = 8
 * dimensions, so {@code ||z||^2 ~ chi^2(8)} and {@code log p = -||z||^2 / 2 - 4 log(2 pi)}.
 */
class DecisionLayerTest {

    private static final int D = 8;
    private static final double LOG_NORMALISER = -0.5 * D * Math.log(2 * Math.PI);

    /** n model-consistent events: [0] = log-likelihoods, [1] = squared latent norms. */
    private static float[][] events(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] out = new float[2][n];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < D; j++) {
                double z = r.nextGaussian();
                norm += z * z;
            }
            out[0][i] = (float) (LOG_NORMALISER - norm / 2);
            out[1][i] = (float) norm;
        }
        return out;
    }

    private static Calibration calibration(int n, long seed) {
        float[][] e = events(n, seed);
        return Calibration.fit(e[0], e[1], Calibration.DEFAULT_WINDOW, seed);
    }

    /** Four standard deviations of the observed rate, counting the calibration sample's error as well. */
    private static double tolerance(double rate, int tested, int calibrated) {
        return 4 * Math.sqrt(rate * (1 - rate) * (1.0 / tested + 1.0 / calibrated));
    }

    @Test
    void theEmpiricalDistributionMatchesAGaussianInsideAndExtrapolatesAnExponentialTail() {
        SplittableRandom r = new SplittableRandom(3);
        double[] gauss = new double[20_000];
        double[] exp = new double[20_000];
        for (int i = 0; i < gauss.length; i++) {
            gauss[i] = r.nextGaussian();
            exp[i] = -Math.log(1 - r.nextDouble());
        }
        EmpiricalDistribution g = EmpiricalDistribution.fit(gauss);
        assertEquals(0, g.quantile(0.5), 0.03);
        assertEquals(1.2816, g.quantile(0.9), 0.05);
        assertEquals(-1.2816, g.quantile(0.1), 0.05);
        for (double p : new double[] {1e-6, 1e-4, 0.01, 0.3, 0.5, 0.8, 0.99, 1 - 1e-5}) {
            assertEquals(p, g.cdf(g.quantile(p)), p * 1e-6 + 1e-9, "cdf(quantile(" + p + "))");
        }
        assertEquals(1e-5, g.survival(g.quantile(1 - 1e-5)), 1e-9);
        EmpiricalDistribution e = EmpiricalDistribution.fit(exp);
        // True quantile ln(10^4) = 9.21, a level 200 times beyond the sample's resolution.
        assertEquals(Math.log(1e4), e.quantile(1 - 1e-4), 0.6);
        assertThrows(FlowGuardException.class, () -> EmpiricalDistribution.fit(new double[] {1, 2, Double.NaN}));
    }

    /**
     * A heavier-than-exponential tail (log-logistic, {@code P(X < -x) = 1 / (1 + x^4)}, generalized Pareto shape 1/4
     * far out), 60,000 points as from a calibration on training rows: the fitted tail puts the threshold for
     * 2.5e-5 (the low-density share of a 5e-5 target) where the true tail probability is within 3x of it on every
     * seed, while an exponential fitted to the same points puts it where the true rate is 3x or more too high. An
     * exponential sample gets a shape near 0 and keeps its exponential tail.
     */
    @Test
    void aHeavyTailIsExtrapolatedWithItsShape() {
        double level = 2.5e-5;
        for (long seed = 1; seed <= 5; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            double[] heavy = new double[60_000];
            double[] exp = new double[60_000];
            for (int i = 0; i < heavy.length; i++) {
                double u = r.nextDouble();
                heavy[i] = -Math.pow(u / (1 - u), 0.25);
                exp[i] = -Math.log(1 - r.nextDouble());
            }
            EmpiricalDistribution h = EmpiricalDistribution.fit(heavy);
            double x = -h.quantile(level);
            double trueRate = 1 / (1 + Math.pow(x, 4));
            double anchor = -h.quantile(h.tailFraction());
            double exponential = anchor + h.lowerScale() / (1 - h.lowerShape()) * Math.log(h.tailFraction() / level);
            double exponentialRate = 1 / (1 + Math.pow(exponential, 4));
            EmpiricalDistribution e = EmpiricalDistribution.fit(exp);
            System.out.printf("heavy tail seed %d: shape %.3f, true rate at the %.1e threshold %.2e (exponential"
                    + " %.2e); exponential sample: shape %.3f%n", seed, h.lowerShape(), level, trueRate,
                    exponentialRate, e.upperShape());
            assertTrue(trueRate > level / 3 && trueRate < 3 * level, "seed " + seed + ": true rate " + trueRate);
            assertTrue(exponentialRate > 3 * level, "the exponential would have done as well: " + exponentialRate);
            assertTrue(h.lowerShape() > 0.1 && h.lowerShape() < 0.45, "shape " + h.lowerShape());
            assertTrue(e.upperShape() < 0.15, "exponential sample, shape " + e.upperShape());
            assertEquals(level, h.cdf(h.quantile(level)), level * 1e-9);
            assertEquals(level, e.survival(e.quantile(1 - level)), level * 1e-6);
        }
    }

    @Test
    void observedFalseAlarmRatesMatchTheTargetForBothRules() {
        int calibrated = 20_000;
        Calibration c = calibration(calibrated, 11);
        float[][] normal = events(2_000_000, 12);
        for (Rule rule : Rule.values()) {
            for (double rate : new double[] {1e-2, 1e-3}) {
                Thresholds t = new AlertPolicy(rate, rule).thresholds(c, D);
                TypicalityWindow window = new TypicalityWindow(c.window(), "m");
                int alerts = 0;
                int windowAlerts = 0;
                for (int i = 0; i < normal[0].length; i++) {
                    Decision d = t.decide(normal[0][i], normal[1][i], window, "m");
                    alerts += d.alert() ? 1 : 0;
                    windowAlerts += d.verdict() == Verdict.WINDOW_TYPICALITY ? 1 : 0;
                }
                double observed = (double) alerts / normal[0].length;
                System.out.printf("calibration: rule %-7s target %.4f observed %.5f (window %.5f)%n", rule, rate,
                        observed, (double) windowAlerts / normal[0].length);
                // The tests overlap a little, so the observed rate may fall slightly under the target, never over.
                assertTrue(Math.abs(observed - rate) < tolerance(rate, normal[0].length, calibrated),
                        rule + " at " + rate + ": observed " + observed);
            }
        }
    }

    @Test
    void theGuardsCatchTheModeWhichThePlainRuleMisses() {
        Calibration c = calibration(20_000, 21);
        Thresholds plain = new AlertPolicy(1e-4, Rule.PLAIN).thresholds(c, D);
        Thresholds guarded = new AlertPolicy(1e-4, Rule.GUARDED).thresholds(c, D);
        double atMode = LOG_NORMALISER;
        assertEquals(Verdict.NORMAL, plain.judge(atMode, 0.0));
        assertEquals(Verdict.HIGH_DENSITY_ATYPICAL, guarded.judge(atMode, 0.0));
        assertEquals(Verdict.HIGH_DENSITY_ATYPICAL, guarded.judge(c.mean(), 0.01), "latent too close to the mode");
        assertEquals(Verdict.NORMAL, guarded.judge(c.mean(), D));
        assertEquals(Verdict.LOW_DENSITY, guarded.judge(LOG_NORMALISER - 40, 80));
        assertEquals(Verdict.LOW_DENSITY, guarded.judge(Double.NaN, D));
        assertTrue(guarded.margin(LOG_NORMALISER - 40, 80) > Thresholds.CRITICAL_MARGIN);
        assertTrue(guarded.margin(c.mean(), D) < 0);
    }

    @Test
    void aFrozenStreamFillsItsWindowAndIsFlaggedWhileASpikeDoesNotPoisonTheWindow() {
        Calibration c = calibration(20_000, 31);
        Thresholds t = new AlertPolicy(1e-4, Rule.GUARDED).thresholds(c, D);
        // Frozen at a value one held-out standard deviation more likely than typical: each event is unremarkable.
        double frozen = c.mean() + c.std();
        assertEquals(Verdict.NORMAL, t.judge(frozen, D - 2.0));
        TypicalityWindow w = new TypicalityWindow(c.window(), "m");
        int flagged = 0;
        for (int i = 0; i < 200; i++) {
            flagged += t.decide(frozen, D - 2.0, w, "m").verdict() == Verdict.WINDOW_TYPICALITY ? 1 : 0;
        }
        assertTrue(flagged >= 200 - c.window(), "flagged " + flagged);
        // One enormous spike among normal events: its own alert, but the window stays in its band afterwards.
        float[][] normal = events(400, 32);
        TypicalityWindow v = new TypicalityWindow(c.window(), "m");
        int windowAlerts = 0;
        for (int i = 0; i < 400; i++) {
            double ll = i == 100 ? LOG_NORMALISER - 1e4 : normal[0][i];
            Decision d = t.decide(ll, i == 100 ? 2e4 : normal[1][i], v, "m");
            windowAlerts += d.verdict() == Verdict.WINDOW_TYPICALITY ? 1 : 0;
        }
        assertEquals(0, windowAlerts);
    }

    @Test
    void windowsSurviveSerialisationAndRestartOnAnotherModel() {
        Calibration c = calibration(2_000, 41);
        TypicalityWindow w = new TypicalityWindow(4, "a");
        double mean = Double.NaN;
        for (int i = 0; i < 6; i++) {
            mean = w.add(c.mean() + i * 0.1, c, "a");
        }
        TypicalityWindow back = TypicalityWindow.fromBytes(w.toBytes(), 4, "a");
        assertEquals(w.add(c.mean(), c, "a"), back.add(c.mean(), c, "a"), 1e-6);
        assertTrue(Double.isFinite(mean));
        assertTrue(Double.isNaN(back.add(c.mean(), c, "b")), "a new model version starts an empty window");
        assertTrue(Double.isNaN(TypicalityWindow.fromBytes(w.toBytes(), 8, "a").add(c.mean(), c, "a")));
        byte[] unknown = w.toBytes();
        unknown[0] = 9;
        assertEquals("expected typicality window format 1, got 9", assertThrows(IllegalArgumentException.class,
                () -> TypicalityWindow.fromBytes(unknown, 4, "a")).getMessage());
    }

    @Test
    void formatOneCalibrationsKeepTheirFixedLevels() {
        float[][] e = events(5_000, 51);
        Calibration full = Calibration.fit(e[0], e[1], 0, 1);
        Calibration old = new Calibration(full.mean(), full.std(), full.levels(), full.quantiles(), full.events(),
                null, null, 0, 0, 0, null, null, 0, null);
        Thresholds t = AlertPolicy.defaults().thresholds(old, D);
        assertEquals(old.quantile(0.001), t.lowLogLikelihood());
        assertEquals(old.quantile(0.9999), t.highLogLikelihood());
        assertEquals(0, t.window());
        assertEquals("expected a calibrated model: alert thresholds are set from held-out scores, and this"
                + " checkpoint has none", assertThrows(FlowGuardException.class,
                        () -> AlertPolicy.defaults().thresholds(null, D)).getMessage());
    }

    @Test
    void theLatentNormThresholdFollowsTheChiSquaredTailFarBeyondTheHeldOutSample() {
        // 5,000 held-out Gaussian latents hold ~50 points below their 1 % quantile; the threshold sits at 1.25e-5.
        double target = 1e-4;
        for (long seed = 1; seed <= 5; seed++) {
            Thresholds t = new AlertPolicy(target, Rule.GUARDED).thresholds(calibration(5_000, seed), D);
            double exact = Thresholds.chiSquaredQuantile(target * Thresholds.NORM_SHARE, D);
            double rate = ChiSquared.cdf(t.lowLatentNorm(), D);
            assertTrue(rate > target * Thresholds.NORM_SHARE / 2 && rate < target * Thresholds.NORM_SHARE * 2,
                    "seed " + seed + ": ||z||^2 threshold " + t.lowLatentNorm() + " has chi-squared rate " + rate
                            + " (exact threshold " + exact + ")");
        }
    }

    @Test
    void windowBandsOfAnAutocorrelatedEntityHoldTheirRateWhereIndependentDrawsWouldNot() {
        // Per-entity AR(1) log-likelihoods, phi = 0.9: a window's mean varies ~4x more than for independent events.
        int keys = 20;
        double phi = 0.9;
        float[][] calibrationEvents = events(keys * 5_000, 3);
        String[] keyOf = new String[keys * 5_000];
        float[] series = autocorrelated(keys, 5_000, phi, 4, keyOf);
        Calibration blocks = Calibration.fit(calibrationEvents[0], calibrationEvents[1], Calibration.DEFAULT_WINDOW, 5,
                series, keyOf);
        Calibration independent = Calibration.fit(calibrationEvents[0], calibrationEvents[1],
                Calibration.DEFAULT_WINDOW, 5, series, null);
        String[] freshKeys = new String[keys * 20_000];
        float[] fresh = autocorrelated(keys, 20_000, phi, 6, freshKeys);
        double target = 0.02;
        double expected = 2 * target * Thresholds.WINDOW_SHARE_PER_TEST; // mean too low or too high
        double withBlocks = windowMeanRate(new AlertPolicy(target, Rule.GUARDED).thresholds(blocks, D), fresh,
                freshKeys);
        double withIndependent = windowMeanRate(new AlertPolicy(target, Rule.GUARDED).thresholds(independent, D),
                fresh, freshKeys);
        assertTrue(withBlocks > expected / 3 && withBlocks < expected * 3, "block bootstrap: window-mean alert rate "
                + withBlocks + ", expected about " + expected);
        assertTrue(withIndependent > 10 * expected, "independent draws: window-mean alert rate " + withIndependent
                + ", expected far above " + expected);
    }

    /** keys x perKey values in stream order (keys interleaved), AR(1) per key around the Gaussian entropy. */
    private static float[] autocorrelated(int keys, int perKey, double phi, long seed, String[] keyOf) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] state = new double[keys];
        float[] out = new float[keys * perKey];
        double centre = LOG_NORMALISER - D / 2.0;
        double sd = Math.sqrt(D / 2.0);
        for (int i = 0; i < out.length; i++) {
            int k = i % keys;
            state[k] = phi * state[k] + Math.sqrt(1 - phi * phi) * r.nextGaussian();
            out[i] = (float) (centre + sd * state[k]);
            keyOf[i] = "k" + k;
        }
        return out;
    }

    private static double windowMeanRate(Thresholds t, float[] values, String[] keys) {
        TypicalityWindows windows = new TypicalityWindows(t.window());
        long tested = 0;
        long flagged = 0;
        for (int i = 0; i < values.length; i++) {
            double mean = windows.of(keys[i], "m").add(values[i], t.calibration(), "m");
            if (!Double.isNaN(mean)) {
                tested++;
                flagged += mean < t.lowWindowMean() || mean > t.highWindowMean() ? 1 : 0;
            }
        }
        return (double) flagged / tested;
    }

    @Test
    void discreteDataWithManyTiedScoresCalibrates() {
        // Tabular data with repeated rows (ADBench's mammography): more than 1 % of same-key pairs tie exactly, so the
        // repeat delta is 0; fitting must not run off its arrays, and a 0 delta can never flag a run.
        int n = 4_000;
        float[] ll = new float[n];
        String[] keys = new String[n];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < n; i++) {
            ll[i] = r.nextInt(4) == 0 ? -3f : (float) (-5 + r.nextGaussian());
            keys[i] = "k" + (i % 10);
        }
        Calibration c = Calibration.fit(ll, null, Calibration.DEFAULT_WINDOW, 1, ll, keys);
        assertEquals(0.0, c.runDelta());
        Thresholds t = new AlertPolicy(1e-3, Rule.GUARDED).thresholds(c, D);
        TypicalityWindow w = new TypicalityWindow(t.window(), "m");
        for (int i = 0; i < 100; i++) {
            w.add(-3, c, "m");
        }
        assertEquals(0, w.run());
    }
}
