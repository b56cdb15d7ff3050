package io.flowguard.retrainer;

import io.flowguard.model.score.Calibration;
import io.flowguard.model.score.EmpiricalDistribution;
import java.util.Arrays;

/**
 * Watches the live scores of the serving model for drift: the newest {@code window} log-likelihoods of that model
 * version against the held-out distribution in its calibration. The statistic is robust, so the anomalies a healthy
 * stream always carries (1 % of events, say) do not move it: the window median against the calibrated median in
 * units of the calibrated robust spread (IQR / 1.349), and the window IQR against the calibrated IQR as a log
 * ratio. Both are one-sided: only a lower median or a wider spread counts (the model explains the stream worse);
 * a window more typical or narrower than the calibration, as one phase of a daily cycle is, does not. {@link #score} is the larger of the two, each divided by its threshold, so drift is {@code score >= 1}; it
 * must hold for {@code sustainMs} of wall-clock time before {@link #drifting} says so (a burst is not a season).
 * Optionally the alert rate over the window against an absolute ceiling. Not thread-safe: one consumer thread feeds
 * it, others read {@link #lastScore()} (volatile).
 */
final class DriftMonitor {

    private final int window;
    private final double shiftSd;
    private final double spreadFactor;
    private final double alertRateCeiling;
    private final long sustainMs;
    private final float[] values;
    private final boolean[] alerted;
    private final float[] sorted;
    private int count;
    private int next;
    private int alerts;
    private String version;
    private Calibration calibration;
    private long aboveSinceMs = -1;
    private volatile double lastScore;

    /**
     * @param window scores per evaluation (the newest ones of the serving version)
     * @param shiftSd median shift, in calibrated robust standard deviations, that counts as drift
     * @param spreadFactor ratio of window IQR to calibrated IQR (either way) that counts as drift
     * @param alertRateCeiling share of alerted events that counts as drift, 0 for no alert-rate test
     * @param sustainMs how long the statistic must stay at or above 1
     */
    DriftMonitor(int window, double shiftSd, double spreadFactor, double alertRateCeiling, long sustainMs) {
        this.window = window;
        this.shiftSd = shiftSd;
        this.spreadFactor = spreadFactor;
        this.alertRateCeiling = alertRateCeiling;
        this.sustainMs = sustainMs;
        this.values = new float[window];
        this.alerted = new boolean[window];
        this.sorted = new float[window];
    }

    /** The model now serving; scores of other versions are ignored, and a new version starts a fresh window. */
    void serving(String modelVersion, Calibration modelCalibration) {
        if (!modelVersion.equals(version)) {
            version = modelVersion;
            calibration = modelCalibration;
            count = 0;
            next = 0;
            alerts = 0;
            aboveSinceMs = -1;
            lastScore = 0;
        }
    }

    /** One score from the scores topic. */
    void add(String modelVersion, double logLikelihood, boolean alert) {
        if (calibration == null || !modelVersion.equals(version) || !Double.isFinite(logLikelihood)) {
            return;
        }
        if (count == window) {
            alerts -= alerted[next] ? 1 : 0;
        } else {
            count++;
        }
        values[next] = (float) logLikelihood;
        alerted[next] = alert;
        alerts += alert ? 1 : 0;
        next = (next + 1) % window;
    }

    /** The drift statistic over the current window (NaN until the window is full). */
    double score() {
        if (count < window || calibration == null) {
            return Double.NaN;
        }
        System.arraycopy(values, 0, sorted, 0, window);
        Arrays.sort(sorted);
        double median = quantile(0.5);
        double iqr = quantile(0.75) - quantile(0.25);
        // The calibration's fixed levels hold no quartiles: read them from its reference distribution (a format-1
        // summary has none, so its normal approximation: IQR = 1.349 sd).
        EmpiricalDistribution ll = calibration.logLikelihoods();
        double calMedian = ll != null ? ll.quantile(0.5) : calibration.mean();
        double calIqr = ll != null ? ll.quantile(0.75) - ll.quantile(0.25) : 1.349 * calibration.std();
        double robustSd = Math.max(calIqr / 1.349, 1e-6);
        // one-sided: drift is the model explaining the stream worse (lower median, wider spread); a window that is
        // more typical or narrower than the calibration (one phase of a daily cycle, a quiet hour) is not drift
        double shift = Math.max(0, calMedian - median) / robustSd / shiftSd;
        double spread = Math.max(0, Math.log(Math.max(iqr, 1e-9) / Math.max(calIqr, 1e-9))) / Math.log(spreadFactor);
        double rate = alertRateCeiling > 0 ? (double) alerts / window / alertRateCeiling : 0;
        return Math.max(shift, Math.max(spread, rate));
    }

    private double quantile(double p) {
        double pos = p * (window - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(window - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Evaluates at wall-clock {@code nowMs}; true once the statistic has stayed at or above 1 for the sustain time. */
    boolean drifting(long nowMs) {
        double s = score();
        lastScore = Double.isNaN(s) ? 0 : s;
        if (!(s >= 1)) {
            aboveSinceMs = -1;
            return false;
        }
        if (aboveSinceMs < 0) {
            aboveSinceMs = nowMs;
        }
        return nowMs - aboveSinceMs >= sustainMs;
    }

    /** When the statistic last rose to 1 or above and has stayed there (wall clock), or -1. */
    long aboveSinceMs() {
        return aboveSinceMs;
    }

    double lastScore() {
        return lastScore;
    }

    String version() {
        return version;
    }
}
