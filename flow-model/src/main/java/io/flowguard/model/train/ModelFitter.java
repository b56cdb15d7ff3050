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
     * of two either way); when the flow scores its training rows as it scores held-out ones (mean gap below
     * {@link #POOL_GAP} nats) all rows calibrate, ten times the tail evidence, otherwise the held-out rows alone.
     * Window tests use every row in row order by entity.
     */
    private static Calibration calibrate(Flow flow, Matrix[] parts, int[][] split, String[] keys, long seed) {
        Scorer scorer = new Scorer(flow, null, "unsaved");
        ScoreBatch trained = scorer.score(parts[0]);
        ScoreBatch heldOut = scorer.score(parts[1]);
        boolean pool = mean(trained.logLikelihoods()) - mean(heldOut.logLikelihoods()) < POOL_GAP;
        int rows = split[0].length + split[1].length;
        float[] ll = new float[rows];
        float[] norms = new float[rows];
        for (int p = 0; p < 2; p++) {
            ScoreBatch b = p == 0 ? trained : heldOut;
            for (int i = 0; i < split[p].length; i++) {
                ll[split[p][i]] = (float) b.logLikelihood(i);
                norms[split[p][i]] = (float) b.latentSquaredNorm(i);
            }
        }
        float[] reference = pool ? ll : heldOut.logLikelihoods();
        float[] referenceNorms = pool ? norms : heldOut.latentSquaredNorms();
        return Calibration.fit(reference, referenceNorms, Calibration.DEFAULT_WINDOW, seed,
                keys == null ? reference : ll, keys).withLatentDegrees(latentDegrees(flow.schema()));
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
