package io.flowguard.retrainer.series;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.EmpiricalDistribution;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.retrainer.GateVerdict;
import io.flowguard.retrainer.ValidationGate;
import java.util.Arrays;

/**
 * Streaming anomaly scores for one univariate series, in time order with no look-ahead and no labels (NAB's rules):
 *
 * <ol>
 *   <li>The probation, the first {@code min(floor(0.15 n), 750)} rows as NAB defines it, is only learned from (its
 *       scores are 0).</li>
 *   <li>A flow over {@link LagFeatures} is fitted by {@link ModelFitter}, the recipe the retrainer refits with, to
 *       the rows seen so far (the last {@code windowRows} of them), and its log-likelihood distribution F on those
 *       rows is estimated with generalized Pareto tails ({@link EmpiricalDistribution}).</li>
 *   <li>The next {@code refitEvery} rows are scored by that flow. The tail probability {@code p_t = F(log p(x_t))}
 *       is the chance that a normal row is less likely than this one; the score is {@code L / (1 + L)} with
 *       {@code L = -log10 p_t} (p = 0.1 gives 0.5, 1e-4 gives 0.8, 1e-12 gives 0.92), a probability scale that
 *       keeps its resolution where {@code 1 - p} would round to 1. The same scale in every series, so one threshold
 *       serves a corpus. Both tails of the data are covered by the features: a frozen series has a volatility far
 *       below any it was trained on, so it is unlikely, not likely.</li>
 *   <li>One page per event, not one per row: the features of row t remember the last {@code lookBack} rows, so the
 *       rows after an anomaly echo it. A row keeps its score only when its evidence {@code L} is more than twice
 *       that of every one of the {@code lookBack} rows before it (a new event, or the one under way grown clearly
 *       stronger: its tail probability squared); otherwise its {@code anomaly_score} is 0.
 *       {@link Result#tails()} keeps every row's tail probability.</li>
 *   <li>Then the flow is refitted on the rolling window. Rows with {@code p_t < guardTail} stay out of it (an
 *       incident is not learned as normal), but at most {@code guardShare} of the window, the least likely: a
 *       change that lasts becomes the new normal instead of being refused forever. Every tenth window row is held
 *       out for the retrainer's {@link ValidationGate}, and a candidate it refuses leaves the serving flow in
 *       place. And so on to the end.</li>
 * </ol>
 */
public final class SeriesDetector {

    /**
     * One parameter set for a whole corpus.
     *
     * @param probationFraction share of each series used to learn only (NAB: 0.15)
     * @param probationCap most rows of probation (NAB: 750)
     * @param lookBack rows behind the level and volatility features
     * @param refitEvery rows scored between refits (0: the probation's length)
     * @param windowRows most rows a refit trains on (the latest)
     * @param guardTail rows whose tail probability is below this stay out of later training windows
     * @param guardShare the most of a training window kept out that way
     * @param spec the flow (its preprocessing is fitted to each window)
     * @param train training options of every fit
     */
    public record Options(double probationFraction, int probationCap, int lookBack, int refitEvery, int windowRows,
            double guardTail, double guardShare, FlowSpec spec, TrainOptions train) {

        public Options {
            if (!(probationFraction > 0 && probationFraction < 1) || probationCap < 16 || lookBack < 2
                    || refitEvery < 0 || windowRows < 64 || !(guardTail >= 0 && guardTail < 1)
                    || !(guardShare >= 0 && guardShare < 1)) {
                throw new IllegalArgumentException("expected probation fraction in (0, 1), probation cap >= 16, "
                        + "look-back >= 2, refit interval >= 0, window >= 64 rows, guard tail and share in [0, 1), "
                        + "got " + probationFraction + ", " + probationCap + ", " + lookBack + ", " + refitEvery
                        + ", " + windowRows + ", " + guardTail + ", " + guardShare);
            }
        }

        /** The defaults: a small MAF (2 layers of 1 x 32), refit every probation's length on the last 3,000 rows. */
        public static Options defaults() {
            FlowSpec spec = FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(32)
                    .optHiddenLayers(1).optSeed(7).build();
            TrainOptions train = TrainOptions.builder().optMaxEpochs(60).optPatience(8).optMaxSeconds(30)
                    .optSeed(11).build();
            return new Options(0.15, 750, 12, 0, 3000, 1e-3, 0.05, spec, train);
        }

        public Options withSpec(FlowSpec s) {
            return new Options(probationFraction, probationCap, lookBack, refitEvery, windowRows, guardTail,
                    guardShare, s, train);
        }

        public Options withTrain(TrainOptions t) {
            return new Options(probationFraction, probationCap, lookBack, refitEvery, windowRows, guardTail,
                    guardShare, spec, t);
        }
    }

    /**
     * Called after each fit: the row it would start scoring at, the fit number, the rows it trained on, whether the
     * validation gate let it serve and why, its seconds.
     */
    public interface Listener {
        void onFit(int row, int fit, int trainRows, boolean approved, String reason, double seconds);
    }

    /**
     * @param scores one anomaly score in [0, 1] per row (0 in the probation and on echoes; 1 only where p underflows
     *     to 0)
     * @param tails each row's tail probability p_t (1 in the probation)
     * @param fits flows fitted
     * @param rejected fits the validation gate refused (the model before kept serving)
     * @param guarded rows left out of at least one training window for their tail probability
     * @param features the feature names chosen for this series
     */
    public record Result(double[] scores, double[] tails, int probation, int fits, int rejected, int guarded,
            String[] features) {}

    /** Fewest rows a fit is attempted on; before that rows score 0. */
    static final int MIN_TRAIN_ROWS = 64;

    private final Options options;
    private final ValidationGate gate;

    public SeriesDetector(Options options) {
        this.options = options;
        // The retrainer's gate at its defaults: finite parameters, round trip, holdout NLL no worse than the serving
        // model's by more than 0.02 nats per feature, calibrated alert rate within 2x of the policy's target.
        this.gate = new ValidationGate(AlertPolicy.defaults(), 0.02, 2, options.train().trimFraction());
    }

    /** NAB's probationary period of a file of {@code rows} rows. */
    public int probation(int rows) {
        return (int) Math.min(Math.floor(options.probationFraction() * rows), options.probationCap());
    }

    /**
     * Scores a series.
     *
     * @param seconds the time of each row, epoch seconds, file order
     * @param values the readings, finite
     */
    public Result run(long[] seconds, double[] values, Listener listener) {
        int n = values.length;
        double[] tails = new double[n];
        Arrays.fill(tails, 1);
        int probation = probation(n);
        if (probation < 2) {
            return new Result(new double[n], tails, probation, 0, 0, 0, new String[0]);
        }
        LagFeatures lag = LagFeatures.choose(seconds, values, probation, options.lookBack());
        Matrix all = lag.rows(seconds, values, 0, n);
        int refitEvery = options.refitEvery() > 0 ? options.refitEvery() : Math.max(probation, MIN_TRAIN_ROWS);
        int fits = 0;
        int rejected = 0;
        boolean[] leftOut = new boolean[n];
        int end = probation;
        NDManager servingManager = null;
        Scorer serving = null;
        EmpiricalDistribution normal = null;
        try {
            while (end < n) {
                int next = Math.min(n, end + refitEvery);
                int from = Math.max(lag.lookBack(), end - options.windowRows());
                int[] window = trainingRows(tails, from, end, leftOut);
                if (window.length >= MIN_TRAIN_ROWS) {
                    long started = System.nanoTime();
                    int[][] split = split(window);
                    NDManager manager = NDManager.newBaseManager();
                    boolean approved;
                    String reason;
                    try {
                        ModelFitter.Fitted fitted = ModelFitter.fit(all.selectRows(split[0]), null, lag.names(),
                                options.spec(), PreprocessingOptions.defaults(), options.train(), s -> { }, manager,
                                "series rows " + window[0] + ".." + (end - 1));
                        Scorer candidate = fitted.scorer();
                        GateVerdict verdict = gate.judge(candidate, serving, all.selectRows(split[1]));
                        // With nothing serving yet, any candidate that scores finitely is better than none.
                        approved = verdict.approved() || serving == null
                                && Double.isFinite(verdict.metrics().getOrDefault("candidate_nll", Double.NaN));
                        reason = verdict.reason();
                        if (approved) {
                            normal = EmpiricalDistribution.fit(toDouble(
                                    candidate.score(all.selectRows(window)).logLikelihoods()));
                            if (servingManager != null) {
                                servingManager.close();
                            }
                            servingManager = manager;
                            serving = candidate;
                        }
                    } finally {
                        if (manager != servingManager) {
                            manager.close();
                        }
                    }
                    fits++;
                    rejected += approved ? 0 : 1;
                    listener.onFit(end, fits, split[0].length, approved, reason,
                            (System.nanoTime() - started) / 1e9);
                }
                if (serving != null) {
                    float[] ll = serving.score(all.slice(end, next)).logLikelihoods();
                    for (int i = 0; i < ll.length; i++) {
                        tails[end + i] = Float.isFinite(ll[i]) ? normal.cdf(ll[i]) : 0;
                    }
                }
                end = next;
            }
        } finally {
            if (servingManager != null) {
                servingManager.close();
            }
        }
        int guarded = 0;
        for (boolean b : leftOut) {
            guarded += b ? 1 : 0;
        }
        return new Result(pages(tails, options.lookBack()), tails, probation, fits, rejected, guarded, lag.names());
    }

    /** {@code L / (1 + L)}, {@code L = -log10 p}: 0 at p = 1, 0.5 at 0.1, towards 1 as p goes to 0. */
    public static double score(double tail) {
        if (!(tail > 0)) {
            return 1;
        }
        double l = Math.max(0, -Math.log10(Math.min(1, tail)));
        return l / (1 + l);
    }

    /**
     * Each row's score where its evidence {@code L = -log10 p} is more than twice the largest of the {@code memory}
     * rows before it (a new event, or one that has grown to a clearly stronger one), else 0.
     */
    static double[] pages(double[] tails, int memory) {
        double[] evidence = new double[tails.length];
        for (int t = 0; t < tails.length; t++) {
            evidence[t] = tails[t] > 0 ? Math.max(0, -Math.log10(Math.min(1, tails[t]))) : Double.POSITIVE_INFINITY;
        }
        double[] out = new double[tails.length];
        for (int t = 0; t < tails.length; t++) {
            double before = 0;
            for (int j = Math.max(0, t - memory); j < t; j++) {
                before = Math.max(before, evidence[j]);
            }
            out[t] = evidence[t] > 2 * before ? score(tails[t]) : 0;
        }
        return out;
    }

    /** Every tenth row of the window is the gate's holdout (spread over the window, not trained on), the rest train. */
    private static int[][] split(int[] window) {
        int holdout = window.length / 10;
        int[] train = new int[window.length - holdout];
        int[] held = new int[holdout];
        int a = 0;
        int b = 0;
        for (int i = 0; i < window.length; i++) {
            if (i % 10 == 9 && b < holdout) {
                held[b++] = window[i];
            } else {
                train[a++] = window[i];
            }
        }
        return new int[][] {train, held};
    }

    /**
     * The rows of {@code [from, to)} a refit trains on: all but those with a tail probability below the guard, and of
     * those at most {@code guardShare} of the window, the least likely first; marks the rows left out in
     * {@code leftOut}.
     */
    private int[] trainingRows(double[] tails, int from, int to, boolean[] leftOut) {
        int size = Math.max(0, to - from);
        Integer[] suspects = java.util.stream.IntStream.range(from, to).filter(t -> tails[t] < options.guardTail())
                .boxed().sorted((a, b) -> Double.compare(tails[a], tails[b])).toArray(Integer[]::new);
        int out = Math.min(suspects.length, (int) Math.floor(options.guardShare() * size));
        boolean[] left = new boolean[size];
        for (int i = 0; i < out; i++) {
            left[suspects[i] - from] = true;
            leftOut[suspects[i]] = true;
        }
        int[] rows = new int[size - out];
        int n = 0;
        for (int t = from; t < to; t++) {
            if (!left[t - from]) {
                rows[n++] = t;
            }
        }
        return rows;
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
