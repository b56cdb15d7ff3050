package io.flowguard.model.score;

import io.flowguard.model.flow.LatticeLikelihood;
import java.util.Arrays;

/**
 * Scores of a batch, held column-wise (one array per output) so that a large batch costs a handful of objects.
 * {@link #get} builds the per-event {@link Score}.
 */
public final class ScoreBatch {

    private final int features;
    private final float[] logLikelihood;
    private final float[] latentSquaredNorm;
    private final float[] contributions;
    private final Calibration calibration;
    private final boolean exactConditionals;
    private final LatticeLikelihood.Kind likelihoodKind;

    ScoreBatch(int features, float[] logLikelihood, float[] latentSquaredNorm, float[] contributions,
            Calibration calibration, boolean exactConditionals, LatticeLikelihood.Kind likelihoodKind) {
        this.features = features;
        this.logLikelihood = logLikelihood;
        this.latentSquaredNorm = latentSquaredNorm;
        this.contributions = contributions;
        this.calibration = calibration;
        this.exactConditionals = exactConditionals;
        this.likelihoodKind = likelihoodKind;
    }

    /**
     * What {@link #logLikelihood} measures: {@code log p(x)} (no discrete feature), {@code log P} of the discrete
     * features' lattice cell times the continuous density, or the dequantisation bound ({@link LatticeLikelihood}).
     */
    public LatticeLikelihood.Kind likelihoodKind() {
        return likelihoodKind;
    }

    public int size() {
        return logLikelihood.length;
    }

    public int features() {
        return features;
    }

    public double logLikelihood(int i) {
        return logLikelihood[i];
    }

    /** All log-likelihoods (a copy). */
    public float[] logLikelihoods() {
        return logLikelihood.clone();
    }

    /** All latent squared norms (a copy). */
    public float[] latentSquaredNorms() {
        return latentSquaredNorm.clone();
    }

    public double bitsPerDimension(int i) {
        return -logLikelihood[i] / (features * Math.log(2));
    }

    public double latentSquaredNorm(int i) {
        return latentSquaredNorm[i];
    }

    public double typicality(int i) {
        return calibration == null ? Double.NaN : calibration.typicality(logLikelihood[i]);
    }

    /**
     * Per-coordinate terms of {@code log p(x)} at the event's values: {@code log p_Z(z_j)} plus every layer's
     * {@code log |dz_j/dx_j|}. They sum to {@code log p(x)} (to {@link #logLikelihood} when no feature is discrete),
     * and are the conditionals {@code log p(x_j | x_<j)} only when every autoregressive layer uses the input order.
     * In density units: for which features make an event unlikely, use {@link Scorer#attribute}.
     */
    public float contribution(int i, int feature) {
        return contributions[i * features + feature];
    }

    /** Event {@code i}'s contributions, one per feature, copied into {@code dst} from {@code offset}. */
    public void copyContributions(int i, float[] dst, int offset) {
        System.arraycopy(contributions, i * features, dst, offset, features);
    }

    /**
     * The {@code k} features of event {@code i} with the lowest contribution, lowest first. A ranking in density
     * units (it moves when a column's units change) of terms that are conditionals only under the natural order;
     * {@link AttributionBatch#mostAnomalousFeatures} ranks by a unit-free conditional tail.
     */
    public int[] mostAnomalousFeatures(int i, int k) {
        Integer[] order = new Integer[features];
        for (int j = 0; j < features; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Float.compare(contribution(i, a), contribution(i, b)));
        int[] top = new int[Math.min(k, features)];
        for (int j = 0; j < top.length; j++) {
            top[j] = order[j];
        }
        return top;
    }

    public Score get(int i) {
        return new Score(logLikelihood(i), bitsPerDimension(i), latentSquaredNorm(i), typicality(i),
                Arrays.copyOfRange(contributions, i * features, (i + 1) * features), exactConditionals);
    }
}
