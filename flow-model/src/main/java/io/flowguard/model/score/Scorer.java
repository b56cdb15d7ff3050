package io.flowguard.model.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.InvalidInputException;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowOutput;
import io.flowguard.model.flow.LatticeLikelihood;

/**
 * Scores batches of events with one fixed model version. Immutable and thread-safe: many threads may call
 * {@link #score} at once. Each call works in its own native sub-manager that is closed before it returns, so a long
 * run keeps a flat native footprint; batches above {@value #MAX_CHUNK} rows are evaluated in chunks.
 */
public final class Scorer {

    static final int MAX_CHUNK = 8192;

    private final Flow flow;
    private final Calibration calibration;
    private final String modelVersion;
    private final LatticeLikelihood likelihood;

    /**
     * @param calibration held-out log-likelihood distribution for typicality, or null
     * @param modelVersion identifier reported with every score (e.g. the checkpoint's payload hash)
     */
    public Scorer(Flow flow, Calibration calibration, String modelVersion) {
        this.flow = flow;
        this.calibration = calibration;
        this.modelVersion = modelVersion;
        this.likelihood = LatticeLikelihood.of(flow.schema());
    }

    public String modelVersion() {
        return modelVersion;
    }

    public int features() {
        return flow.features();
    }

    public Calibration calibration() {
        return calibration;
    }

    public Flow flow() {
        return flow;
    }

    /** What {@link ScoreBatch#logLikelihood} measures for this model (density, cell probability or bound). */
    public LatticeLikelihood.Kind likelihoodKind() {
        return likelihood.kind();
    }

    /**
     * Scores every row of {@code events}.
     *
     * @throws InvalidInputException when the width differs from the model's or a value is NaN or infinite (the
     *     message names row and column, 1-based)
     */
    public ScoreBatch score(Matrix events) {
        int d = flow.features();
        if (events.cols() != d) {
            throw new InvalidInputException("expected " + d + " features per event, got " + events.cols());
        }
        events.requireFinite("events");
        int n = events.rows();
        float[] logLikelihood = new float[n];
        float[] norms = new float[n];
        float[] contributions = new float[n * d];
        for (int from = 0; from < n; from += MAX_CHUNK) {
            int rows = Math.min(MAX_CHUNK, n - from);
            float[] values = rows == n ? events.values()
                    : java.util.Arrays.copyOfRange(events.values(), from * d, (from + rows) * d);
            try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray x = manager.create(values, new Shape(rows, d));
                FlowOutput out = flow.evaluate(x, false);
                System.arraycopy(out.contributions().toFloatArray(), 0, contributions, from * d, rows * d);
                float[] ll = likelihood.logLikelihood(flow, values, rows, out.logProb().toFloatArray());
                System.arraycopy(ll, 0, logLikelihood, from, rows);
                System.arraycopy(out.latentSquaredNorm().toFloatArray(), 0, norms, from, rows);
            }
        }
        return new ScoreBatch(d, logLikelihood, norms, contributions, calibration,
                flow.spec().attributionsAreConditionals(), likelihood.kind());
    }

    /**
     * Which features make each row of {@code events} unlikely: each feature's conditional given all the others, as a
     * unit-free z and two-sided tail ({@link FeatureAttribution}). About 160 density evaluations per feature per row,
     * so attribute the rows that need it.
     *
     * @throws InvalidInputException as {@link #score}
     */
    public AttributionBatch attribute(Matrix events) {
        int d = flow.features();
        if (events.cols() != d) {
            throw new InvalidInputException("expected " + d + " features per event, got " + events.cols());
        }
        events.requireFinite("events");
        return FeatureAttribution.compute(flow, events);
    }
}
