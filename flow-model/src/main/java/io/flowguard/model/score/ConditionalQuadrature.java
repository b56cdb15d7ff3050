package io.flowguard.model.score;

import java.util.Arrays;

/**
 * Leave-one-out conditionals of a joint density by one-dimensional quadrature: for event {@code v} and feature
 * {@code i}, {@code p(t | v_-i) = p(v with v_i = t) / Z_i} with {@code Z_i = integral p(v with v_i = t) dt}, and the
 * conditional distribution function {@code F_i = integral_{t <= v_i} p(t | v_-i) dt}. Exact for any density: it needs
 * the joint only, no ordering.
 *
 * <p>Grid, in coordinates where the data are standardised (the flow's learned layers see those): {@value #POINTS}
 * points on {@code [-}{@value #RANGE}{@code , }{@value #RANGE}{@code ]} plus the observed value, then three refinements
 * of {@value #POINTS} points each over the conditional's mean +- {@value #SPAN} standard deviations as the points so
 * far estimate them (so a conditional much narrower than the first grid, a near-deterministic relation, is still
 * resolved). Each interval between neighbouring points is integrated with {@code log p} linear in {@code t} (exact
 * for exponential pieces, second order otherwise, and stable across an observed value far in the tail); beyond the
 * outermost points the last interval's log-slope continues the tail.
 */
final class ConditionalQuadrature {

    /** {@code log p} of {@code count} rows of width {@code d}, row-major. */
    @FunctionalInterface
    interface LogDensity {
        double[] evaluate(float[] rows, int count);
    }

    /** What the quadrature gives for one feature of one event. */
    record Conditional(double logNormalizer, double logLower, double logUpper, double logDensityAtValue) {

        /** {@code log min(F, 1 - F)}: the one-sided tail on the side the value lies. */
        double logOneSidedTail() {
            return Math.min(logLower, logUpper) - logNormalizer;
        }

        /** {@code Phi^-1(F)}, computed from the smaller tail so that it stays exact far out. */
        double z() {
            double magnitude = Normal.upperQuantileOfLogTail(logOneSidedTail());
            return logUpper < logLower ? magnitude : -magnitude;
        }

        /** {@code log p(v_i | v_-i)} in the grid's units. */
        double logConditionalDensity() {
            return logDensityAtValue - logNormalizer;
        }
    }

    static final int POINTS = 40;
    static final double RANGE = 10;
    static final double SPAN = 8;
    private static final int ROUNDS = 4;
    /** Rows evaluated per call of the density: bounds the native memory of one pass. */
    private static final int MAX_ROWS = 1 << 16;

    private ConditionalQuadrature() {}

    /**
     * Conditionals of every feature of every event.
     *
     * @param v events in the grid's coordinates, {@code n x d} row-major
     * @return {@code [event * d + feature]}
     */
    static Conditional[] compute(LogDensity density, float[] v, int n, int d) {
        Conditional[] out = new Conditional[n * d];
        int perEvent = d * (POINTS + 1);
        int chunk = Math.max(1, MAX_ROWS / perEvent);
        for (int from = 0; from < n; from += chunk) {
            int events = Math.min(chunk, n - from);
            computeChunk(density, Arrays.copyOfRange(v, from * d, (from + events) * d), events, d, out, from * d);
        }
        return out;
    }

    private static void computeChunk(LogDensity density, float[] v, int n, int d, Conditional[] out, int offset) {
        int pairs = n * d;
        int capacity = 1 + ROUNDS * POINTS;
        double[][] t = new double[pairs][capacity];
        double[][] lp = new double[pairs][capacity];
        int[] size = new int[pairs];
        double[] lo = new double[pairs];
        double[] hi = new double[pairs];
        Arrays.fill(lo, -RANGE);
        Arrays.fill(hi, RANGE);
        for (int round = 0; round < ROUNDS; round++) {
            int extra = round == 0 ? 1 : 0;
            float[] rows = new float[pairs * (POINTS + extra) * d];
            int r = 0;
            for (int p = 0; p < pairs; p++) {
                int event = p / d;
                int feature = p % d;
                for (int k = 0; k < POINTS + extra; k++) {
                    float value = k == POINTS ? v[event * d + feature]
                            : (float) (lo[p] + (hi[p] - lo[p]) * k / (POINTS - 1));
                    System.arraycopy(v, event * d, rows, r * d, d);
                    rows[r * d + feature] = value;
                    t[p][size[p] + k] = value;
                    r++;
                }
            }
            double[] values = density.evaluate(rows, r);
            r = 0;
            for (int p = 0; p < pairs; p++) {
                for (int k = 0; k < POINTS + extra; k++) {
                    lp[p][size[p] + k] = values[r++];
                }
                size[p] += POINTS + extra;
                if (round < ROUNDS - 1) {
                    double[] meanSd = moments(t[p], lp[p], size[p]);
                    lo[p] = meanSd[0] - SPAN * meanSd[1];
                    hi[p] = meanSd[0] + SPAN * meanSd[1];
                }
            }
        }
        for (int p = 0; p < pairs; p++) {
            out[offset + p] = integrate(t[p], lp[p], size[p], v[p]);
        }
    }

    /** {mean, standard deviation} of the normalised density on the points, within-interval spread included. */
    private static double[] moments(double[] t, double[] lp, int n) {
        int[] order = sortedOrder(t, n);
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, lp[k]);
        }
        double mass = 0;
        double first = 0;
        double second = 0;
        for (int k = 1; k < n; k++) {
            int a = order[k - 1];
            int b = order[k];
            double w = t[b] - t[a];
            if (!(w > 0)) {
                continue;
            }
            double m = Math.exp(logSegment(w, lp[a] - max, lp[b] - max));
            double mid = 0.5 * (t[a] + t[b]);
            mass += m;
            first += m * mid;
            second += m * (mid * mid + w * w / 12);
        }
        if (!(mass > 0)) {
            return new double[] {0, RANGE / SPAN};
        }
        double mean = first / mass;
        double sd = Math.sqrt(Math.max(0, second / mass - mean * mean));
        return new double[] {mean, Math.max(sd, 1e-6)};
    }

    /**
     * Normaliser and the masses on either side of {@code value}, in log space. Each interval's log-linear mass gets
     * the curvature correction {@code 1 - c w^2 / 12} ({@code c}: the second difference of {@code log p} at its ends),
     * which makes the rule fourth order on smooth log-densities; it is left out where {@code |c| w^2} is not small.
     */
    static Conditional integrate(double[] t, double[] lp, int n, double value) {
        int[] order = sortedOrder(t, n);
        double[] ts = new double[n];
        double[] ls = new double[n];
        int m = 0;
        for (int k = 0; k < n; k++) {
            double tk = t[order[k]];
            if (m == 0 || tk > ts[m - 1]) {
                ts[m] = tk;
                ls[m++] = lp[order[k]];
            }
        }
        double atValue = Double.NaN;
        double[] curvature = new double[m];
        for (int k = 0; k < m; k++) {
            atValue = ts[k] == value ? ls[k] : atValue;
            if (k > 0 && k < m - 1) {
                double right = (ls[k + 1] - ls[k]) / (ts[k + 1] - ts[k]);
                double left = (ls[k] - ls[k - 1]) / (ts[k] - ts[k - 1]);
                curvature[k] = 2 * (right - left) / (ts[k + 1] - ts[k - 1]);
            }
        }
        double lower = Double.NEGATIVE_INFINITY;
        double upper = Double.NEGATIVE_INFINITY;
        for (int k = 1; k < m; k++) {
            double w = ts[k] - ts[k - 1];
            double c = k == 1 ? curvature[k] : k == m - 1 ? curvature[k - 1] : 0.5 * (curvature[k - 1] + curvature[k]);
            double correction = Math.abs(c) * w * w < 1 ? Math.log1p(-c * w * w / 12) : 0;
            double mass = logSegment(w, ls[k - 1], ls[k]) + correction;
            if (ts[k] <= value) {
                lower = logAdd(lower, mass);
            } else {
                upper = logAdd(upper, mass);
            }
        }
        lower = logAdd(lower, logTailBeyond(ts[0], ls[0], ts[1], ls[1]));
        upper = logAdd(upper, logTailBeyond(ts[m - 1], ls[m - 1], ts[m - 2], ls[m - 2]));
        return new Conditional(logAdd(lower, upper), lower, upper, atValue);
    }

    /** Mass beyond the outermost point {@code end}, continuing the log-slope of its interval with {@code inner}. */
    private static double logTailBeyond(double end, double lpEnd, double inner, double lpInner) {
        double width = Math.abs(end - inner);
        double decay = (lpInner - lpEnd) / width;
        // a density still rising at the edge of the grid: count one more interval, not an unbounded tail
        return decay > 1e-12 ? lpEnd - Math.log(decay) : lpEnd + Math.log(width);
    }

    /** {@code log integral_0^w exp(la + (lb - la) s / w) ds}. */
    static double logSegment(double w, double la, double lb) {
        double max = Math.max(la, lb);
        if (max == Double.NEGATIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        double delta = Math.abs(la - lb);
        double shape = delta < 1e-8 ? -0.5 * delta : Math.log(-Math.expm1(-delta) / delta);
        return Math.log(w) + max + shape;
    }

    static double logAdd(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        double max = Math.max(a, b);
        return max + Math.log1p(Math.exp(-Math.abs(a - b)));
    }

    private static int[] sortedOrder(double[] t, int n) {
        Integer[] idx = new Integer[n];
        for (int k = 0; k < n; k++) {
            idx[k] = k;
        }
        Arrays.sort(idx, (a, b) -> Double.compare(t[a], t[b]));
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            out[k] = idx[k];
        }
        return out;
    }
}
