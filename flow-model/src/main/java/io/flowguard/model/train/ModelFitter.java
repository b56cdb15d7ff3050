package io.flowguard.model.train;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.Manifest;
import io.flowguard.model.checkpoint.TrainingWindow;
import io.flowguard.model.checkpoint.ValidationMetrics;
import io.flowguard.model.data.Matrix;
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
        Flow flow = FlowFactory.create(spec, schema, manager);
        int[][] split = Trainer.splitIndices(data.rows(), options);
        Matrix[] parts = {data.selectRows(split[0]), data.selectRows(split[1])};
        TrainingReport report = new Trainer(options, listener).fit(flow, parts[0], parts[1]);
        ScoreBatch heldOut = new Scorer(flow, null, "unsaved").score(parts[1]);
        // Window means are calibrated per entity on every row: the held-out slice alone may hold a few per entity.
        Calibration calibration = Calibration.fit(heldOut.logLikelihoods(), heldOut.latentSquaredNorms(),
                Calibration.DEFAULT_WINDOW, options.seed(), keys == null ? heldOut.logLikelihoods()
                        : new Scorer(flow, null, "unsaved").score(data).logLikelihoods(), keys);
        ValidationMetrics metrics = new ValidationMetrics(report.bestValidationNll(), report.trainNllAtBest(),
                report.bestEpoch(), report.history().size(), report.seconds(), report.stopReason());
        TrainingWindow window = new TrainingWindow(source, parts[0].rows(), parts[1].rows(), null, null);
        return new Fitted(flow, report, calibration, Checkpoints.manifest(flow, window, metrics, calibration));
    }
}
