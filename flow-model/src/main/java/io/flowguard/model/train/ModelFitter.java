package io.flowguard.model.train;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.FlowStateMapper;
import io.flowguard.model.checkpoint.Manifest;
import io.flowguard.model.checkpoint.TrainingWindow;
import io.flowguard.model.checkpoint.ValidationMetrics;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FeatureKind;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;

/**
 * The whole fitting recipe shared by the CLI, the evaluation and the retrainer: fit the preprocessing to the data,
 * build the flow, train with a seeded validation split, calibrate the decision layer on the held-out rows and describe the
 * result in a checkpoint manifest.
 */
public final class ModelFitter {

    /** A trained flow (owned by the caller's manager) with its report, calibration and manifest. */
    public record Fitted(Flow flow, TrainingReport report, Calibration calibration, Manifest manifest) {

        /** A scorer that reports typicality against the held-out rows. */
        public Scorer scorer() {
            return new Scorer(flow, calibration, "unsaved");
        }
    }

    private ModelFitter() {}

    /**
     * Largest gap, in nats, between the mean log-likelihood of the training rows and of the held-out rows at which
     * the training rows still join the calibration: a flow that has not memorised its training rows scores them as
     * it scores fresh ones.
     */
    static final double POOL_GAP = 0.05;

    /**
     * @param data training rows (labels removed), raw units
     * @param names one name per column
     * @param source where the rows came from, recorded in the manifest
     * @param manager owns the flow's parameters; closing it frees the model
     */
    public static Fitted fit(Matrix data, String[] names, FlowSpec spec, PreprocessingOptions preprocessing,
            TrainOptions options, TrainingListener listener, NDManager manager, String source) {
        return fit(data, null, names, spec, preprocessing, options, listener, manager, source);
    }

    /**
     * As above, with the entity (sensor, card) of each row, so that the window typicality test is calibrated per
     * entity ({@link Calibration#fit(float[], float[], int, long, String[])}).
     *
     * @param keys one entity per row, or null
     */
    public static Fitted fit(Matrix data, String[] keys, String[] names, FlowSpec spec,
            PreprocessingOptions preprocessing, TrainOptions options, TrainingListener listener, NDManager manager,
            String source) {
        data.requireFinite(source);
        FeatureSchema schema = FeatureSchema.fit(data, names, preprocessing);
        return train(FlowFactory.create(spec, schema, manager), data, keys, options, listener, source);
    }

    /**
     * Warm start: a copy of {@code start} (its architecture, fitted preprocessing and weights, on {@code manager})
     * trained further on {@code data}, then calibrated afresh. The preprocessing is kept, so the copy stays
     * comparable to {@code start}; only data-dependent initialisation (ActNorm) is redone on the new rows.
     */
    public static Fitted refit(Flow start, Matrix data, String[] keys, TrainOptions options,
            TrainingListener listener, NDManager manager, String source) {
        data.requireFinite(source);
        Flow flow = FlowStateMapper.toFlow(FlowStateMapper.toState(start, Checkpoints.manifest(start, null, null,
                null)), manager, source);
        return train(flow, data, keys, options, listener, source);
    }

    private static Fitted train(Flow flow, Matrix data, String[] keys, TrainOptions options,
            TrainingListener listener, String source) {
        int[][] split = Trainer.splitIndices(data.rows(), options);
        Matrix[] parts = {data.selectRows(split[0]), data.selectRows(split[1])};
        TrainingReport report = new Trainer(options, listener).fit(flow, parts[0], parts[1]);
        Calibration calibration = calibrate(flow, parts, split, keys, options.seed());
        ValidationMetrics metrics = new ValidationMetrics(report.bestValidationNll(), report.trainNllAtBest(),
                report.bestEpoch(), report.history().size(), report.seconds(), report.stopReason());
        TrainingWindow window = new TrainingWindow(source, parts[0].rows(), parts[1].rows(), null, null);
        return new Fitted(flow, report, calibration, Checkpoints.manifest(flow, window, metrics, calibration));
    }

    /**
     * Calibrates the decision layer. The per-event tail thresholds sit at rates such as 1 in 20,000, far beyond the
     * held-out slice alone (a tenth of the rows: its ~50 tail points leave the extrapolated rate uncertain by a factor
     * of two either way); when the flow scores its training rows as it scores held-out ones ({@link #pool}) all rows
     * calibrate, ten times the tail evidence, otherwise the held-out rows alone. Window tests use every row in row
     * order by entity (consecutive events are what a window sees); when the training rows are not pooled they enter
     * on the held-out scale ({@link #onHeldOutScale}), so that a flow which scores them higher does not set the bands.
     */
    private static Calibration calibrate(Flow flow, Matrix[] parts, int[][] split, String[] keys, long seed) {
        Scorer scorer = new Scorer(flow, null, "unsaved");
        ScoreBatch trained = scorer.score(parts[0]);
        ScoreBatch heldOut = scorer.score(parts[1]);
        boolean pool = pool(trained.logLikelihoods(), heldOut.logLikelihoods());
        int rows = split[0].length + split[1].length;
        float[] ll = new float[rows];
        float[] norms = new float[rows];
        float[] mapped = pool ? null : onHeldOutScale(trained.logLikelihoods(), heldOut.logLikelihoods());
        float[] windowSample = pool ? ll : new float[rows];
        for (int p = 0; p < 2; p++) {
            ScoreBatch b = p == 0 ? trained : heldOut;
            for (int i = 0; i < split[p].length; i++) {
                ll[split[p][i]] = (float) b.logLikelihood(i);
                norms[split[p][i]] = (float) b.latentSquaredNorm(i);
                windowSample[split[p][i]] = p == 0 && !pool ? mapped[i] : (float) b.logLikelihood(i);
            }
        }
        float[] reference = pool ? ll : heldOut.logLikelihoods();
        float[] referenceNorms = pool ? norms : heldOut.latentSquaredNorms();
        return Calibration.fit(reference, referenceNorms, Calibration.DEFAULT_WINDOW, seed, windowSample, keys)
                .withLatentDegrees(latentDegrees(flow.schema()));
    }

    /** Levels at which the lower tails of training and held-out log-likelihoods must agree to pool them. */
    private static final double[] POOL_LEVELS = {0.01, 0.05};
    /** How many standard errors of their difference two tail quantiles may differ by and still agree. */
    static final double POOL_SIGMAS = 4;

    /**
     * Whether the training rows' log-likelihoods may join the held-out ones in the calibration: their mean is less
     * than {@link #POOL_GAP} nats higher, and their lower tails agree. A flow can score its training rows as it
     * scores fresh ones on average and still have memorised the rare ones, which are what the thresholds are set
     * from, so the 1 % and 5 % quantiles of the two samples must be within {@value #POOL_SIGMAS} standard errors
     * of their difference. A sample quantile's standard error is read off the sample itself (distribution-free:
     * half the spread between the order statistics {@code sqrt(n p (1 - p))} ranks either side of it, the binomial
     * interval of the quantile), so the tolerance shrinks as the evidence grows.
     */
    static boolean pool(float[] trained, float[] heldOut) {
        if (!(mean(trained) - mean(heldOut) < POOL_GAP)) {
            return false;
        }
        double[] t = sortedFinite(trained);
        double[] h = sortedFinite(heldOut);
        for (double p : POOL_LEVELS) {
            double[] a = quantileWithError(t, p);
            double[] b = quantileWithError(h, p);
            if (!(Math.abs(a[0] - b[0]) <= POOL_SIGMAS * Math.hypot(a[1], b[1]))) {
                return false;
            }
        }
        return true;
    }

    /** {sample quantile at p, its standard error} of an ascending sample. */
    private static double[] quantileWithError(double[] sorted, double p) {
        int n = sorted.length;
        if (n < 2) {
            return new double[] {Double.NaN, Double.NaN};
        }
        double spread = Math.sqrt(n * p * (1 - p));
        double centre = p * (n - 1);
        double lo = at(sorted, centre - spread);
        double hi = at(sorted, centre + spread);
        return new double[] {at(sorted, centre), (hi - lo) / 2};
    }

    /** The ascending sample interpolated at fractional position {@code pos} (clamped to the sample). */
    private static double at(double[] sorted, double pos) {
        double x = Math.max(0, Math.min(sorted.length - 1, pos));
        int i = (int) Math.floor(x);
        int j = Math.min(sorted.length - 1, i + 1);
        return sorted[i] + (x - i) * (sorted[j] - sorted[i]);
    }

    /**
     * Each training row's log-likelihood replaced by the held-out quantile at its rank among the training rows:
     * the held-out distribution, with the order of the training rows (and so each entity's level and its wander
     * from event to event) kept. Non-finite values stay as they are.
     */
    static float[] onHeldOutScale(float[] trained, float[] heldOut) {
        double[] t = sortedFinite(trained);
        double[] h = sortedFinite(heldOut);
        float[] out = trained.clone();
        if (t.length == 0 || h.length == 0) {
            return out;
        }
        for (int i = 0; i < out.length; i++) {
            if (Float.isFinite(trained[i])) {
                double x = trained[i];
                int below = lowerBound(t, x);
                int upTo = lowerBound(t, Math.nextUp(x));
                double u = ((below + upTo) / 2.0 + 0.5) / t.length; // mid-rank of ties
                out[i] = (float) at(h, u * h.length - 0.5);
            }
        }
        return out;
    }

    private static int lowerBound(double[] sorted, double x) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double[] sortedFinite(float[] values) {
        double[] out = new double[values.length];
        int n = 0;
        for (float v : values) {
            if (Float.isFinite(v)) {
                out[n++] = v;
            }
        }
        double[] v = java.util.Arrays.copyOf(out, n);
        java.util.Arrays.sort(v);
        return v;
    }

    /** Degrees of freedom of {@code ||z||^2}: constant features pass through with a latent of exactly 0. */
    static int latentDegrees(FeatureSchema schema) {
        int degrees = 0;
        for (boolean constant : schema.mask(FeatureKind.CONSTANT)) {
            degrees += constant ? 0 : 1;
        }
        return degrees;
    }

    private static double mean(float[] values) {
        double sum = 0;
        int n = 0;
        for (float v : values) {
            if (Float.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
