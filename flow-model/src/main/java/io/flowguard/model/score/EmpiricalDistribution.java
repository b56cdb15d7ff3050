package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;
import java.util.Arrays;

/**
 * A one-dimensional distribution estimated from a sample, compact enough to live in a checkpoint manifest: sample
 * quantiles at {@value #POINTS} levels spaced evenly in logit between {@code tau} and {@code 1 - tau} (dense in the
 * tails, where thresholds live), and exponential tails fitted by peaks over threshold beyond them:
 *
 * <pre>
 *   F(x) = tau * exp(-(q(tau) - x) / lowerScale)             for x below q(tau)
 *   1 - F(x) = tau * exp(-(x - q(1 - tau)) / upperScale)     for x above q(1 - tau)
 * </pre>
 *
 * where each scale is the mean excess of the sample beyond its anchor (the maximum-likelihood exponential fit), and
 * {@code tau} keeps about 50 sample points in each tail. Alert thresholds are set at rates such as 1 in 10,000 from a
 * held-out slice of a few thousand events, beyond what the sample resolves; the exponential tail is the usual
 * extrapolation for log-densities, whose tails are those of a gamma-like (chi-squared) variable, and errs on the
 * side of fewer alarms for lighter tails.
 *
 * @param levels quantile levels, ascending, from tau to 1 - tau
 * @param values the sample quantiles at those levels, non-decreasing
 * @param lowerScale mean excess below {@code q(tau)} (> 0)
 * @param upperScale mean excess above {@code q(1 - tau)} (> 0)
 * @param events sample size
 */
public record EmpiricalDistribution(double[] levels, double[] values, double lowerScale, double upperScale,
        long events) {

    static final int POINTS = 513;

    public EmpiricalDistribution {
        if (levels == null || values == null || levels.length < 2 || levels.length != values.length
                || !(levels[0] > 0 && levels[0] < 0.5) || !(lowerScale > 0) || !(upperScale > 0)) {
            throw new FlowGuardException("expected >= 2 quantile levels in (0, 1) with one value each and positive"
                    + " tail scales, got " + (levels == null ? 0 : levels.length) + " levels, "
                    + (values == null ? 0 : values.length) + " values, " + lowerScale + ", " + upperScale);
        }
        levels = levels.clone();
        values = values.clone();
    }

    /** Fits the distribution to the finite values of {@code sample} (at least 10 of them). */
    public static EmpiricalDistribution fit(double[] sample) {
        double[] v = Arrays.stream(sample).filter(Double::isFinite).sorted().toArray();
        int n = v.length;
        if (n < 10) {
            throw new FlowGuardException("expected at least 10 finite values to fit a distribution, got " + n);
        }
        double tau = Math.min(0.25, Math.max(10.0 / n, Math.min(0.02, 50.0 / n)));
        double[] levels = new double[POINTS];
        double[] values = new double[POINTS];
        double edge = Math.log(tau / (1 - tau));
        for (int j = 0; j < POINTS; j++) {
            double u = edge - 2 * edge * j / (POINTS - 1);
            levels[j] = j == 0 ? tau : j == POINTS - 1 ? 1 - tau : 1 / (1 + Math.exp(-u));
            values[j] = sampleQuantile(v, levels[j]);
        }
        double lo = values[0];
        double hi = values[POINTS - 1];
        double floor = Math.max(1e-12, (v[n - 1] - v[0]) * 1e-6);
        double lowerExcess = 0;
        double upperExcess = 0;
        int below = 0;
        int above = 0;
        for (double x : v) {
            if (x < lo) {
                lowerExcess += lo - x;
                below++;
            } else if (x > hi) {
                upperExcess += x - hi;
                above++;
            }
        }
        return new EmpiricalDistribution(levels, values, Math.max(floor, below == 0 ? 0 : lowerExcess / below),
                Math.max(floor, above == 0 ? 0 : upperExcess / above), n);
    }

    /** The share of the sample in each fitted tail. */
    public double tailFraction() {
        return levels[0];
    }

    private static double sampleQuantile(double[] sorted, double level) {
        double pos = level * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The value below which a share {@code p} of the distribution lies, {@code 0 < p < 1}. */
    public double quantile(double p) {
        if (!(p > 0 && p < 1)) {
            throw new FlowGuardException("expected a level in (0, 1), got " + p);
        }
        int last = levels.length - 1;
        double tau = levels[0];
        if (p < tau) {
            return values[0] - lowerScale * Math.log(tau / p);
        }
        if (p > levels[last]) {
            return values[last] + upperScale * Math.log(tau / (1 - p));
        }
        int found = Arrays.binarySearch(levels, p);
        int j = Math.min(last - 1, Math.max(0, found >= 0 ? found : -found - 2));
        double w = (p - levels[j]) / (levels[j + 1] - levels[j]);
        return values[j] + w * (values[j + 1] - values[j]);
    }

    /** {@code P(X <= x)}, continuous and strictly inside (0, 1) for finite {@code x}. */
    public double cdf(double x) {
        int last = values.length - 1;
        double tau = levels[0];
        if (x < values[0]) {
            return tau * Math.exp(-(values[0] - x) / lowerScale);
        }
        if (x > values[last]) {
            return 1 - tau * Math.exp(-(x - values[last]) / upperScale);
        }
        // Inside the body: invert the piecewise-linear quantile function (flat stretches resolve to their middle).
        int first = lowerIndex(x);
        int end = upperIndex(x);
        if (end > first) {
            return (levels[first] + levels[end]) / 2;
        }
        int j = Math.max(0, first - 1);
        double a = values[j];
        double b = values[Math.min(last, j + 1)];
        return b > a ? levels[j] + (x - a) / (b - a) * (levels[j + 1] - levels[j]) : levels[j];
    }

    /** {@code P(X >= x)} without the cancellation of {@code 1 - cdf(x)} in the upper tail. */
    public double survival(double x) {
        int last = values.length - 1;
        return x > values[last] ? levels[0] * Math.exp(-(x - values[last]) / upperScale) : 1 - cdf(x);
    }

    /** First index whose value is >= x. */
    private int lowerIndex(double x) {
        int lo = 0;
        int hi = values.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (values[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Last index whose value is <= x. */
    private int upperIndex(double x) {
        int lo = 0;
        int hi = values.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (values[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EmpiricalDistribution e && Arrays.equals(e.values, values)
                && Arrays.equals(e.levels, levels) && e.lowerScale == lowerScale && e.upperScale == upperScale && e.events == events;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values) * 31 + Long.hashCode(events);
    }

    @Override
    public String toString() {
        return "EmpiricalDistribution[median=" + quantile(0.5) + ", events=" + events + "]";
    }
}
