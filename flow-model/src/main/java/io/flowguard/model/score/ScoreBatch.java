package io.flowguard.model.score;

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

    ScoreBatch(int features, float[] logLikelihood, float[] latentSquaredNorm, float[] contributions,
            Calibration calibration, boolean exactConditionals) {
        this.features = features;
        this.logLikelihood = logLikelihood;
        this.latentSquaredNorm = latentSquaredNorm;
        this.contributions = contributions;
        this.calibration = calibration;
        this.exactConditionals = exactConditionals;
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

    public float contribution(int i, int feature) {
        return contributions[i * features + feature];
    }

    /** Event {@code i}'s contributions, one per feature, copied into {@code dst} from {@code offset}. */
    public void copyContributions(int i, float[] dst, int offset) {
        System.arraycopy(contributions, i * features, dst, offset, features);
    }

    /**
     * The {@code k} features of event {@code i} with the lowest contribution, most anomalous first: with exact
     * conditionals, the fields least expected given the ones before them.
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
