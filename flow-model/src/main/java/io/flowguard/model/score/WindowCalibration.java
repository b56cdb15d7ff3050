package io.flowguard.model.score;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The reference distributions of the window tests of a {@link Calibration}, from log-likelihoods in time order: each
 * entity's events (or, without entities, the one stream) in the order they came.
 *
 * <ul>
 *   <li>Window mean and log spread: a moving-block bootstrap, {@value #BOOTSTRAP} windows of M values drawn in
 *       blocks of consecutive events of one entity (picked in proportion to its events), so that a daily cycle or a
 *       slow wander moves a window as it does in the stream. Per entity the block length is
 *       {@link #blockLength(int, int)}; a single stream has its length chosen from its autocorrelation
 *       ({@link #streamBlockLength}), so an independent stream keeps the smooth tails of single-event draws.
 *   <li>Runs of repeats: a repeat is an event within {@code runDelta} of the previous one (the 1 % quantile of the
 *       difference between two events of one entity). Runs are chains of consecutive gaps that share events, and an
 *       entity that wanders slowly repeats far more often than two of its events drawn at random, so the run tail is
 *       counted as {@link TypicalityWindow} counts it, event by event in time order: {@code runTail[r - 1]} is the
 *       share of events whose run has reached r. Where fewer than {@value #MIN_TAIL_COUNT} events reach a length it
 *       continues geometrically, with the continuation probability of the runs that reached the last well-counted
 *       length (a mixture of entities continues at least as often further out, never less). Without
 *       {@value #MIN_RUN_PAIRS} consecutive pairs of entities with {@value #MIN_KEY_EVENTS} events or more, nothing
 *       says how often normal streams repeat, and the run test is off ({@code runTail} null).
 * </ul>
 */
final class WindowCalibration {

    /** Bootstrap windows drawn to calibrate the window test. */
    static final int BOOTSTRAP = 200_000;
    /** Entities with fewer calibration events than this are left out of the per-entity bootstrap and the runs. */
    static final int MIN_KEY_EVENTS = 8;
    /** Longest run whose normal-data probability is tabulated. */
    static final int MAX_RUN = 32;
    /** Fewer consecutive pairs than this leave the run test off. */
    static final int MIN_RUN_PAIRS = 500;
    /** Run lengths reached by fewer events than this are extrapolated. */
    static final int MIN_TAIL_COUNT = 20;

    /** The fitted distributions; {@code runTail} null when the run test is off. */
    record Fitted(EmpiricalDistribution means, EmpiricalDistribution logSds, double runDelta, double[] runTail) {}

    private WindowCalibration() {}

    /**
     * @param sample log-likelihoods in time order (non-finite values are skipped)
     * @param keys one entity per value, or null for one stream
     * @param fallback values drawn independently when no entity has enough events
     */
    static Fitted fit(float[] sample, String[] keys, int window, long seed, double clipLow, double clipHigh,
            double[] fallback) {
        double[][] streams = streams(sample, keys);
        int[] blocks = new int[streams.length];
        long[] cumulative = new long[streams.length];
        long events = 0;
        for (int s = 0; s < streams.length; s++) {
            blocks[s] = keys == null ? streamBlockLength(streams[s], window)
                    : blockLength(streams[s].length, window);
            events += streams[s].length;
            cumulative[s] = events;
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[] means = new double[BOOTSTRAP];
        double[] logSds = new double[BOOTSTRAP];
        float[] draw = new float[window];
        for (int b = 0; b < BOOTSTRAP; b++) {
            int s = streams.length == 0 ? -1 : pick(cumulative, random);
            double[] x = s < 0 ? fallback : streams[s];
            int block = s < 0 ? 1 : blocks[s];
            int start = 0;
            double sum = 0;
            for (int k = 0; k < window; k++) {
                if (k % block == 0) {
                    start = random.nextInt(x.length);
                }
                draw[k] = (float) Math.min(clipHigh, Math.max(clipLow, x[(start + k % block) % x.length]));
                sum += draw[k];
            }
            means[b] = sum / window;
            logSds[b] = TypicalityWindow.logSd(draw, window);
        }
        double delta = runDelta(streams, cumulative, fallback, new SplittableRandom(seed ^ 0x5DEECE66DL));
        return new Fitted(EmpiricalDistribution.fit(means), EmpiricalDistribution.fit(logSds), delta,
                runTail(streams, delta));
    }

    /** A stream index drawn with probability proportional to its events. */
    private static int pick(long[] cumulative, SplittableRandom random) {
        long e = random.nextLong(cumulative[cumulative.length - 1]);
        int found = Arrays.binarySearch(cumulative, e + 1);
        return found >= 0 ? found : -found - 1;
    }

    /**
     * The finite values of each entity with at least {@value #MIN_KEY_EVENTS} of them, in time order (the whole
     * sample as one stream without keys).
     */
    static double[][] streams(float[] sample, String[] keys) {
        Map<String, List<Float>> byKey = new LinkedHashMap<>();
        for (int i = 0; i < sample.length; i++) {
            if (Float.isFinite(sample[i])) {
                byKey.computeIfAbsent(keys == null ? "" : keys[i], k -> new ArrayList<>()).add(sample[i]);
            }
        }
        List<double[]> out = new ArrayList<>();
        for (List<Float> values : byKey.values()) {
            if (values.size() >= MIN_KEY_EVENTS) {
                out.add(values.stream().mapToDouble(Float::doubleValue).toArray());
            }
        }
        return out.toArray(double[][]::new);
    }

    /**
     * Consecutive events per block of the per-entity bootstrap: up to a whole window when the entity's history is
     * long (readings of one sensor are not independent draws: a daily cycle or a slow wander moves a window's
     * mean together, and only blocks of real consecutive events show how far), down to single events for short
     * histories, where drawing a block of a few dozen events would nearly exhaust the entity and understate how
     * much two windows of it differ.
     */
    static int blockLength(int entityEvents, int window) {
        return Math.max(1, Math.min(window, entityEvents / 32));
    }

    /**
     * The block length for one stream without entities: the automatic choice of Politis and White, "Automatic
     * Block-Length Selection for the Dependent Bootstrap" (2004, corrected by Patton, Politis and White 2009) for the
     * circular bootstrap, {@code b = (2 G^2 / D)^(1/3) n^(1/3)} with {@code G = sum lambda(k/M) |k| R(k)},
     * {@code D = 4/3 g(0)^2}, {@code g(0) = sum lambda(k/M) R(k)}, R the sample autocovariance, lambda the flat-top
     * kernel and M twice the first lag after which {@code max(5, sqrt(log10 n))} autocorrelations in a row are
     * under {@code 2 sqrt(log10 n / n)}. Kept within {@link #blockLength(int, int)}: a block longer than the window
     * adds nothing, and an independent stream gets single events.
     */
    static int streamBlockLength(double[] x, int window) {
        int n = x.length;
        int cap = blockLength(n, window);
        if (cap == 1) {
            return 1;
        }
        double mean = Arrays.stream(x).average().orElse(0);
        int maxLag = Math.min(n / 4, 4 * window);
        double[] r = new double[maxLag + 1];
        for (int k = 0; k <= maxLag; k++) {
            double sum = 0;
            for (int i = k; i < n; i++) {
                sum += (x[i] - mean) * (x[i - k] - mean);
            }
            r[k] = sum / n;
        }
        if (!(r[0] > 0)) {
            return 1;
        }
        int runs = Math.max(5, (int) Math.ceil(Math.sqrt(Math.log10(n))));
        double bound = 2 * Math.sqrt(Math.log10(n) / n);
        int m = -1;
        for (int start = 0, quiet = 0; start + quiet < maxLag && m < 0; ) {
            if (Math.abs(r[start + quiet + 1] / r[0]) < bound) {
                quiet++;
                if (quiet == runs) {
                    m = start;
                }
            } else {
                start += quiet + 1;
                quiet = 0;
            }
        }
        if (m < 0) {
            return cap; // correlated beyond every lag looked at
        }
        int bandwidth = Math.min(maxLag, Math.max(1, 2 * m));
        double g = r[0];
        double big = 0;
        for (int k = 1; k <= bandwidth; k++) {
            double t = (double) k / bandwidth;
            double lambda = t <= 0.5 ? 1 : 2 * (1 - t);
            g += 2 * lambda * r[k];
            big += 2 * lambda * k * r[k];
        }
        double d = 4.0 / 3.0 * g * g;
        double b = d > 0 ? Math.cbrt(2 * big * big / d) * Math.cbrt(n) : 1;
        return (int) Math.max(1, Math.min(cap, Math.ceil(b)));
    }

    /** The 1 % quantile of |difference| of two distinct events of one entity (any two events without entities). */
    private static double runDelta(double[][] streams, long[] cumulative, double[] fallback, SplittableRandom random) {
        double[] gaps = new double[50_000];
        for (int i = 0; i < gaps.length; i++) {
            double[] x = streams.length == 0 ? fallback : streams[pick(cumulative, random)];
            int a = random.nextInt(x.length);
            int b = random.nextInt(x.length - 1);
            gaps[i] = Math.abs(x[a] - x[b >= a ? b + 1 : b]);
        }
        Arrays.sort(gaps);
        return gaps[gaps.length / 100];
    }

    /**
     * {@code P(run >= r)}, r = 1..{@value #MAX_RUN}, over the events of every stream in time order (see the class
     * comment), or null with too few consecutive pairs.
     */
    static double[] runTail(double[][] streams, double delta) {
        int events = 0;
        for (double[] x : streams) {
            events += x.length;
        }
        if (events - streams.length < MIN_RUN_PAIRS) {
            return null;
        }
        int[] runs = new int[events];
        long[] reached = new long[MAX_RUN + 1]; // reached[r]: events whose run is r or more
        int e = 0;
        for (double[] x : streams) {
            int run = 0;
            for (int i = 0; i < x.length; i++) {
                run = i > 0 && Math.abs(x[i] - x[i - 1]) < delta ? run + 1 : 0;
                runs[e++] = run;
                for (int r = 0; r <= Math.min(run, MAX_RUN); r++) {
                    reached[r]++;
                }
            }
        }
        int counted = 0;
        while (counted < MAX_RUN && reached[counted + 1] >= MIN_TAIL_COUNT) {
            counted++;
        }
        double further = 0; // sum over r > counted of events reaching r
        double from = 0; // sum over r >= counted
        for (int run : runs) {
            further += Math.max(0, run - counted);
            from += Math.max(0, run - counted + 1);
        }
        double continuation = (further + 0.5) / (from + 1);
        double[] tail = new double[MAX_RUN];
        for (int r = 1; r <= MAX_RUN; r++) {
            tail[r - 1] = r <= counted ? (double) reached[r] / events
                    : (double) reached[counted] / events * Math.pow(continuation, r - counted);
        }
        return tail;
    }
}
