package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;
import java.util.Arrays;

/**
 * A one-dimensional distribution estimated from a sample, compact enough to live in a checkpoint manifest: sample
 * quantiles at {@value #POINTS} levels spaced evenly in logit between {@code tau} and {@code 1 - tau} (dense in the
 * tails, where thresholds live), and generalized Pareto tails fitted by peaks over threshold beyond them:
 *
 * <pre>
 *   F(x) = tau * (1 + lowerShape * (q(tau) - x) / lowerScale)^(-1 / lowerShape)          for x below q(tau)
 *   1 - F(x) = tau * (1 + upperShape * (x - q(1 - tau)) / upperScale)^(-1 / upperShape)  for x above q(1 - tau)
 * </pre>
 *
 * (shape 0: the exponential {@code tau * exp(-excess / scale)}). Alert thresholds are set at rates such as 1 in
 * 10,000 or 100,000, beyond what the sample resolves, so the tail model decides them. A log-density's tail is
 * gamma-like (exponential, shape 0) for a well-fitted flow, but a flow that has not learned a rare corner of the data
 * leaves a heavier lower tail, and an exponential fitted to it puts the threshold too close: the observed false-alarm
 * rate came out 2-4 times the target on such a model. So the shape is estimated from the {@value #TAIL_POINTS}
 * points beyond each anchor by probability-weighted moments (Hosking and Wallis 1987), which stay stable for samples
 * this small, and kept in [0, {@value #MAX_SHAPE}]: a negative estimate (a bounded tail) would put the threshold at
 * a finite end point that one unlucky sample decides, so lighter-than-exponential tails keep the exponential and err
 * on the side of fewer alarms.
 *
 * @param levels quantile levels, ascending, from tau to 1 - tau
 * @param values the sample quantiles at those levels, non-decreasing
 * @param lowerScale generalized Pareto scale of the excess below {@code q(tau)} (> 0)
 * @param upperScale generalized Pareto scale of the excess above {@code q(1 - tau)} (> 0)
 * @param events sample size
 * @param lowerShape generalized Pareto shape of the lower tail, in [0, 1) (0 in checkpoints written before it)
 * @param upperShape generalized Pareto shape of the upper tail, in [0, 1)
 */
public record EmpiricalDistribution(double[] levels, double[] values, double lowerScale, double upperScale,
        long events, double lowerShape, double upperShape) {

    static final int POINTS = 513;
    /** Sample points beyond each anchor (fewer for samples under 5,000: at most 2 % of the sample). */
    static final int TAIL_POINTS = 400;
    static final double MAX_SHAPE = 0.45;

    public EmpiricalDistribution {
        if (levels == null || values == null || levels.length < 2 || levels.length != values.length
                || !(levels[0] > 0 && levels[0] < 0.5) || !(lowerScale > 0) || !(upperScale > 0)
                || !(lowerShape >= 0 && lowerShape < 1) || !(upperShape >= 0 && upperShape < 1)) {
            throw new FlowGuardException("expected >= 2 quantile levels in (0, 1) with one value each, positive"
                    + " tail scales and tail shapes in [0, 1), got " + (levels == null ? 0 : levels.length)
                    + " levels, " + (values == null ? 0 : values.length) + " values, scales " + lowerScale + ", "
                    + upperScale + ", shapes " + lowerShape + ", " + upperShape);
        }
        levels = levels.clone();
        values = values.clone();
    }

    /** Exponential tails (shape 0). */
    public EmpiricalDistribution(double[] levels, double[] values, double lowerScale, double upperScale, long events) {
        this(levels, values, lowerScale, upperScale, events, 0, 0);
    }

    /** Fits the distribution to the finite values of {@code sample} (at least 10 of them). */
    public static EmpiricalDistribution fit(double[] sample) {
        double[] v = Arrays.stream(sample).filter(Double::isFinite).sorted().toArray();
        int n = v.length;
        if (n < 10) {
            throw new FlowGuardException("expected at least 10 finite values to fit a distribution, got " + n);
        }
        double tau = Math.min(0.25, Math.max(10.0 / n, Math.min(0.02, (double) TAIL_POINTS / n)));
        double[] levels = new double[POINTS];
        double[] values = new double[POINTS];
        double edge = Math.log(tau / (1 - tau));
        for (int j = 0; j < POINTS; j++) {
            double u = edge - 2 * edge * j / (POINTS - 1);
            levels[j] = j == 0 ? tau : j == POINTS - 1 ? 1 - tau : 1 / (1 + Math.exp(-u));
            values[j] = sampleQuantile(v, levels[j]);
        }
        double floor = Math.max(1e-12, (v[n - 1] - v[0]) * 1e-6);
        double[] lower = paretoFit(excesses(v, values[0], true));
        double[] upper = paretoFit(excesses(v, values[POINTS - 1], false));
        return new EmpiricalDistribution(levels, values, Math.max(floor, lower[0]), Math.max(floor, upper[0]), n,
                lower[1], upper[1]);
    }

    /** The distances beyond {@code anchor} of the sample points past it, ascending. */
    private static double[] excesses(double[] sorted, double anchor, boolean below) {
        return Arrays.stream(sorted).map(x -> below ? anchor - x : x - anchor).filter(e -> e > 0).sorted().toArray();
    }

    /**
     * Probability-weighted moments of ascending excesses: {@code a0} = mean, {@code a1} = mean of
     * {@code (1 - p_i) * y_i} with plotting positions {@code p_i = (i - 0.35) / n}.
     */
    private static double[] moments(double[] y) {
        double a0 = 0;
        double a1 = 0;
        int n = y.length;
        for (int i = 0; i < n; i++) {
            a0 += y[i];
            a1 += (1 - (i + 0.65) / n) * y[i];
        }
        return new double[] {a0 / n, a1 / n};
    }

    /**
     * The generalized Pareto fit {scale, shape} of ascending excesses: shape {@code 2 - a0 / (a0 - 2 a1)}, kept in
     * [0, MAX_SHAPE] (0 for fewer than 10 excesses), and scale {@code a0 * (1 - shape)} (the mean excess at shape
     * 0).
     */
    static double[] paretoFit(double[] excesses) {
        if (excesses.length == 0) {
            return new double[] {0, 0};
        }
        double[] a = moments(excesses);
        double shape = excesses.length < 10 ? 0 : 2 - a[0] / (a[0] - 2 * a[1]);
        shape = Double.isFinite(shape) ? Math.max(0, Math.min(MAX_SHAPE, shape)) : 0;
        return new double[] {a[0] * (1 - shape), shape};
    }

    /** The excess beyond the anchor at which the tail's share of the distribution falls to {@code ratio}. */
    private static double tailExcess(double ratio, double scale, double shape) {
        return shape < 1e-9 ? -scale * Math.log(ratio) : scale / shape * (Math.pow(ratio, -shape) - 1);
    }

    /** The tail's survival ratio {@code P(excess > y) / tau} at excess {@code y >= 0}. */
    private static double tailRatio(double excess, double scale, double shape) {
        return shape < 1e-9 ? Math.exp(-excess / scale) : Math.pow(1 + shape * excess / scale, -1 / shape);
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
            return values[0] - tailExcess(p / tau, lowerScale, lowerShape);
        }
        if (p > levels[last]) {
            return values[last] + tailExcess((1 - p) / tau, upperScale, upperShape);
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
            return tau * tailRatio(values[0] - x, lowerScale, lowerShape);
        }
        if (x > values[last]) {
            return 1 - tau * tailRatio(x - values[last], upperScale, upperShape);
        }
        // Inside the body: invert the piecewise-linear quantile function (flat stretches resolve to their middle).
        int first = lowerIndex(x);
        int end = values[first] == x ? upperIndex(x) : first - 1; // the second search only for a tie
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
        return x > values[last] ? levels[0] * tailRatio(x - values[last], upperScale, upperShape) : 1 - cdf(x);
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
                && Arrays.equals(e.levels, levels) && e.lowerScale == lowerScale && e.upperScale == upperScale
                && e.events == events && e.lowerShape == lowerShape && e.upperShape == upperShape;
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
