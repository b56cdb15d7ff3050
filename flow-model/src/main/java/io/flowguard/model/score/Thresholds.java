package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.score.AlertPolicy.Rule;
import io.flowguard.model.score.AlertPolicy.Verdict;

/**
 * An {@link AlertPolicy} resolved against one model's {@link Calibration}: plain numbers compared per event, so that
 * judging costs a few comparisons. Computed once per model version.
 *
 * @param policy the policy they implement
 * @param lowLogLikelihood below it: {@link Verdict#LOW_DENSITY} (NaN log-likelihoods too)
 * @param highLogLikelihood above it: {@link Verdict#HIGH_DENSITY_ATYPICAL} (+infinity: off)
 * @param lowLatentNorm {@code ||z||^2} below it: {@link Verdict#HIGH_DENSITY_ATYPICAL} (0: off)
 * @param window events per typicality window (0: off)
 * @param lowWindowMean window mean below it: {@link Verdict#WINDOW_TYPICALITY}
 * @param highWindowMean window mean above it: {@link Verdict#WINDOW_TYPICALITY}
 * @param lowWindowLogSd log standard deviation in a window below it: {@link Verdict#WINDOW_TYPICALITY}
 * @param runLength this many repeats in a row: {@link Verdict#WINDOW_TYPICALITY} (0: off)
 * @param calibration the reference distributions, for {@link #margin}
 * @param latentNorms the reference of {@code ||z||^2} (see {@link LatentNorms}), or null without one
 */
public record Thresholds(AlertPolicy policy, double lowLogLikelihood, double highLogLikelihood, double lowLatentNorm,
        int window, double lowWindowMean, double highWindowMean, double lowWindowLogSd, int runLength,
        Calibration calibration, LatentNorms latentNorms) {

    /**
     * The held-out distribution of {@code ||z||^2} with a chi-squared-shaped lower tail. Near the origin the latent
     * density is about the Gaussian's, so below the held-out anchor {@code t_a} (its lowest fitted quantile, level
     * {@code tau}) {@code P(||z||^2 < t) = tau * F(t) / F(t_a)}, F the chi-squared cdf with d degrees of freedom (the
     * non-constant features, {@link Calibration#latentDegrees(int)}): the
     * data fix the level, geometry the shape ({@code t^(d/2)} near zero). A tail fitted to the held-out points below
     * the anchor and extrapolated down to 1e-5 misses by a factor of a few either way.
     */
    public record LatentNorms(EmpiricalDistribution logNorms, int degrees) {

        private double tau() {
            return logNorms.levels()[0];
        }

        private double anchor() {
            return Math.exp(logNorms.quantile(tau()));
        }

        /** The {@code ||z||^2} below which a share {@code p} of normal events falls (see {@link #cdf}). */
        public double quantile(double p) {
            if (p >= tau() || !(ChiSquared.cdf(anchor(), degrees) > 0)) {
                return Math.exp(logNorms.quantile(p));
            }
            return chiSquaredQuantile(p * ChiSquared.cdf(anchor(), degrees) / tau(), degrees);
        }

        /** The share of normal events with a smaller {@code ||z||^2} (beyond the chi-squared cdf's range, the fitted tail). */
        public double cdf(double squaredNorm) {
            double anchor = anchor();
            if (squaredNorm >= anchor || !(ChiSquared.cdf(anchor, degrees) > 0)) {
                return logNorms.cdf(Math.log(squaredNorm));
            }
            return tau() * ChiSquared.cdf(Math.max(squaredNorm, 0), degrees) / ChiSquared.cdf(anchor, degrees);
        }
    }

    /** Shares of the false-alarm budget per test under the guarded rule. */
    static final double LOW_SHARE = 0.5;
    static final double HIGH_SHARE = 0.125;
    static final double NORM_SHARE = 0.125;
    /** The window's quarter, split: mean too low, mean too high, spread too small, too many repeats in a row. */
    static final double WINDOW_SHARE_PER_TEST = 0.25 / 4;
    /** A margin above ln(100) (the p-value 100 times under its threshold) makes an alert critical. */
    public static final double CRITICAL_MARGIN = Math.log(100);

    static Thresholds of(AlertPolicy policy, Calibration c, int features) {
        if (c == null) {
            throw new FlowGuardException("expected a calibrated model: alert thresholds are set from held-out"
                    + " scores, and this checkpoint has none");
        }
        double a = policy.falseAlarmRate();
        boolean guarded = policy.rule() == Rule.GUARDED;
        if (!c.hasDistributions()) {
            // Format-1 calibration: a few quantiles only; keep the fixed levels that were written for it.
            return new Thresholds(policy, c.quantile(0.001), guarded ? c.quantile(0.9999) : Double.POSITIVE_INFINITY,
                    guarded ? chiSquaredQuantile(0.001, features) : 0, 0, Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, c, null);
        }
        if (!guarded) {
            return new Thresholds(policy, c.logLikelihoods().quantile(a), Double.POSITIVE_INFINITY, 0, 0,
                    Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, c, null);
        }
        int degrees = c.latentDegrees(features);
        LatentNorms norms = c.logLatentNorms() == null ? null : new LatentNorms(c.logLatentNorms(), degrees);
        double lowNorm = norms == null ? chiSquaredQuantile(a * NORM_SHARE, degrees) : norms.quantile(a * NORM_SHARE);
        boolean windows = c.window() > 0;
        return new Thresholds(policy, c.logLikelihoods().quantile(a * LOW_SHARE),
                c.logLikelihoods().quantile(1 - a * HIGH_SHARE), lowNorm, c.window(),
                windows ? c.windowMeans().quantile(a * WINDOW_SHARE_PER_TEST) : Double.NEGATIVE_INFINITY,
                windows ? c.windowMeans().quantile(1 - a * WINDOW_SHARE_PER_TEST) : Double.POSITIVE_INFINITY,
                windows ? c.windowLogSds().quantile(a * WINDOW_SHARE_PER_TEST) : Double.NEGATIVE_INFINITY,
                windows ? c.runLength(a * WINDOW_SHARE_PER_TEST) : 0, c, norms);
    }

    /** The per-event verdict (the window test is separate: {@link #judgeWindow}). */
    public Verdict judge(double logLikelihood, double latentSquaredNorm) {
        if (!(logLikelihood >= lowLogLikelihood)) {
            return Verdict.LOW_DENSITY;
        }
        if (logLikelihood > highLogLikelihood || latentSquaredNorm < lowLatentNorm) {
            return Verdict.HIGH_DENSITY_ATYPICAL;
        }
        return Verdict.NORMAL;
    }

    /**
     * The verdict of the window tests on a window's mean and log spread (NaN until it is full) and its current run
     * of repeats.
     */
    public Verdict judgeWindow(double windowMean, double windowLogSd, int run) {
        return window > 0 && (windowMean < lowWindowMean || windowMean > highWindowMean
                || windowLogSd < lowWindowLogSd || (runLength > 0 && run >= runLength))
                ? Verdict.WINDOW_TYPICALITY : Verdict.NORMAL;
    }

    /**
     * Which window test fails, for an analyst or a breakdown: {@code "mean-low"}, {@code "mean-high"},
     * {@code "spread"}, {@code "repeats"}, or null when none does (same arguments as {@link #judgeWindow}).
     */
    public String windowTest(double windowMean, double windowLogSd, int run) {
        if (window == 0) {
            return null;
        }
        if (windowMean < lowWindowMean) {
            return "mean-low";
        }
        if (windowMean > highWindowMean) {
            return "mean-high";
        }
        if (windowLogSd < lowWindowLogSd) {
            return "spread";
        }
        return runLength > 0 && run >= runLength ? "repeats" : null;
    }

    /**
     * A continuous anomaly score for ranking (AUROC) and severity: the largest {@code ln(threshold p / p)} over the
     * per-event tests of the rule, where p is the event's tail probability under the held-out reference. Positive
     * exactly when a per-event test alerts; each unit is a factor e beyond the threshold. Falls back to
     * {@code -log p(x)} for format-1 calibrations.
     */
    public double margin(double logLikelihood, double latentSquaredNorm) {
        if (!calibration.hasDistributions()) {
            return -logLikelihood;
        }
        if (Double.isNaN(logLikelihood)) {
            return Double.POSITIVE_INFINITY;
        }
        double a = policy.falseAlarmRate();
        EmpiricalDistribution ll = calibration.logLikelihoods();
        if (policy.rule() == Rule.PLAIN) {
            return Math.log(a) - Math.log(ll.cdf(logLikelihood));
        }
        double m = Math.log(a * LOW_SHARE) - Math.log(ll.cdf(logLikelihood));
        m = Math.max(m, Math.log(a * HIGH_SHARE) - Math.log(ll.survival(logLikelihood)));
        if (latentNorms != null) {
            m = Math.max(m, Math.log(a * NORM_SHARE) - Math.log(latentNorms.cdf(latentSquaredNorm)));
        }
        return m;
    }

    /**
     * Decides on one event and advances its key's window. An event that a per-event test already flags stays out
     * of the window: the window looks for what single events do not show, and a run of flagged events (a stuck
     * episode, a spike) would otherwise keep the next M normal events of its key alerting after it ended.
     *
     * @param window the key's typicality window, or null to skip the window test
     */
    public Decision decide(double logLikelihood, double latentSquaredNorm, TypicalityWindow window,
            String modelVersion) {
        Verdict single = judge(logLikelihood, latentSquaredNorm);
        double margin = margin(logLikelihood, latentSquaredNorm);
        if (single != Verdict.NORMAL || window == null || this.window == 0) {
            return new Decision(single, margin, Double.NaN);
        }
        double windowMean = window.add(logLikelihood, calibration, modelVersion);
        return new Decision(judgeWindow(windowMean, window.logSd(), window.run()), margin, windowMean);
    }

    /**
     * Decides on every event of a scored batch in row order, with one typicality window per key (all rows one
     * stream when {@code keys} is null).
     */
    public Decision[] decideAll(ScoreBatch batch, String[] keys, String modelVersion) {
        TypicalityWindows windows = new TypicalityWindows(Math.max(1, window));
        Decision[] out = new Decision[batch.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = decide(batch.logLikelihood(i), batch.latentSquaredNorm(i),
                    windows.of(keys == null ? "" : keys[i], modelVersion), modelVersion);
        }
        return out;
    }

    /** Whether an alert with this margin is critical rather than a warning. */
    public static boolean critical(double margin) {
        return margin > CRITICAL_MARGIN;
    }

    /** The chi-squared quantile by bisection on {@link ChiSquared#cdf} (for latents without a held-out reference). */
    static double chiSquaredQuantile(double p, int degrees) {
        double lo = 0;
        double hi = degrees + 50.0 * Math.sqrt(2.0 * degrees) + 50;
        for (int i = 0; i < 200; i++) {
            double mid = (lo + hi) / 2;
            if (ChiSquared.cdf(mid, degrees) < p) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }
}
