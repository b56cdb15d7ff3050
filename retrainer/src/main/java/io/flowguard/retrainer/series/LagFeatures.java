package io.flowguard.retrainer.series;

import io.flowguard.model.data.Matrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Features of a univariate series at each row from that row and earlier ones only (no look-ahead), for a density
 * model of "what the next reading looks like":
 *
 * <pre>
 *   value        v_t
 *   step         v_t - v_{t-1}
 *   level        v_t - mean(v_{t-k}, ..., v_{t-1})            (a spike or a level shift against the recent past)
 *   volatility   log(sd(v_{t-k+1} - v_{t-k}, ..., v_t - v_{t-1}) + eps)   (noise that changes; a frozen sensor)
 *   day phase    seconds since midnight / 86,400              (only when readings are under an hour apart and the
 *                                                              probation spans a day: a daily cycle becomes context)
 *   week phase   (day of week + day phase) / 7                (only when the probation spans a week)
 * </pre>
 *
 * The phases are uniform coordinates on [0, 1), so the flow's joint density is the conditional density of the reading
 * given the time of day and week up to the (near-constant) density of the phase: a reading normal at noon can be
 * anomalous at 3 a.m. {@code eps} is a thousandth of the typical step in the probationary rows, so that a series
 * that stops moving (volatility -> log eps) lands far below the volatility it was trained on. The choice of phase
 * features is made once per series from the probationary rows' timestamps.
 */
public final class LagFeatures {

    private static final long DAY = 86_400;

    private final int k;
    private final boolean dayPhase;
    private final boolean weekPhase;
    private final double eps;

    private LagFeatures(int k, boolean dayPhase, boolean weekPhase, double eps) {
        this.k = k;
        this.dayPhase = dayPhase;
        this.weekPhase = weekPhase;
        this.eps = eps;
    }

    /**
     * Chooses the features from the first {@code probation} rows.
     *
     * @param seconds event time of each row, epoch seconds (local time of the series), file order
     * @param k the look-back of the level and volatility features, in rows (>= 2)
     */
    public static LagFeatures choose(long[] seconds, double[] values, int probation, int k) {
        if (k < 2 || probation < 2 || probation > values.length || seconds.length != values.length) {
            throw new IllegalArgumentException("expected k >= 2 and 2 <= probation <= rows, got k " + k
                    + ", probation " + probation + ", " + values.length + " rows");
        }
        double[] steps = new double[probation - 1];
        double[] moves = new double[probation - 1];
        for (int i = 1; i < probation; i++) {
            steps[i - 1] = Math.abs(seconds[i] - seconds[i - 1]);
            moves[i - 1] = Math.abs(values[i] - values[i - 1]);
        }
        double step = median(steps);
        long span = Math.abs(seconds[probation - 1] - seconds[0]);
        // A phase is context once the probation has seen a whole cycle of it (and the readings resolve it).
        boolean day = step > 0 && step < 3600 && span >= DAY;
        boolean week = day && span >= 7 * DAY;
        double typical = median(moves);
        if (!(typical > 0)) {
            typical = mean(moves);
        }
        if (!(typical > 0)) {
            typical = Math.max(1.0, Math.abs(values[0]));
        }
        return new LagFeatures(k, day, week, 1e-3 * typical);
    }

    public String[] names() {
        List<String> names = new ArrayList<>(List.of("value", "step", "level", "volatility"));
        if (dayPhase) {
            names.add("day_phase");
        }
        if (weekPhase) {
            names.add("week_phase");
        }
        return names.toArray(String[]::new);
    }

    public int features() {
        return 4 + (dayPhase ? 1 : 0) + (weekPhase ? 1 : 0);
    }

    /** {@code eps} of the volatility feature: the volatility of a series that does not move is {@code log eps}. */
    public double floor() {
        return eps;
    }

    /** The look-back in rows: rows before it have a shorter history and are not trained on. */
    public int lookBack() {
        return k;
    }

    /** Feature rows {@code [from, to)}; row {@code t} reads {@code values[max(0, t - k) .. t]} only. */
    public Matrix rows(long[] seconds, double[] values, int from, int to) {
        int d = features();
        float[] out = new float[(to - from) * d];
        for (int t = from; t < to; t++) {
            int o = (t - from) * d;
            double v = values[t];
            out[o] = (float) v;
            out[o + 1] = (float) (t > 0 ? v - values[t - 1] : 0);
            int first = Math.max(0, t - k);
            double sum = 0;
            for (int j = first; j < t; j++) {
                sum += values[j];
            }
            out[o + 2] = (float) (t > first ? v - sum / (t - first) : 0);
            out[o + 3] = (float) Math.log(stepDeviation(values, Math.max(1, t - k + 1), t) + eps);
            int c = 4;
            long local = Math.floorMod(seconds[t], DAY);
            if (dayPhase) {
                out[o + c++] = (float) (local / (double) DAY);
            }
            if (weekPhase) {
                // 1970-01-01 was a Thursday: day 0 of the week is Monday
                long dayOfWeek = Math.floorMod(Math.floorDiv(seconds[t], DAY) + 3, 7);
                out[o + c] = (float) ((dayOfWeek + local / (double) DAY) / 7);
            }
        }
        return new Matrix(to - from, d, out);
    }

    /** Standard deviation of the steps {@code values[j] - values[j - 1]} for j in [from, to]; 0 for fewer than 2. */
    private static double stepDeviation(double[] values, int from, int to) {
        int n = to - from + 1;
        if (n < 2) {
            return 0;
        }
        double sum = 0;
        double squares = 0;
        for (int j = from; j <= to; j++) {
            double s = values[j] - values[j - 1];
            sum += s;
            squares += s * s;
        }
        double mean = sum / n;
        return Math.sqrt(Math.max(0, squares / n - mean * mean));
    }

    private static double median(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return v.length == 0 ? 0 : sum / v.length;
    }
}
