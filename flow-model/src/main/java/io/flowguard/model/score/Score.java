package io.flowguard.model.score;

/**
 * The model's verdict on one event.
 *
 * @param logLikelihood {@code log p(x)} in nats, in the units of the raw features; with discrete features the
 *     log-probability of their lattice cell times the continuous density ({@link ScoreBatch#likelihoodKind})
 * @param bitsPerDimension {@code -log2 p(x) / d}
 * @param latentSquaredNorm {@code ||f(x)||^2}; chi-squared with d degrees of freedom for events from the model
 * @param typicality {@code (log p(x) - mean) / std} against held-out data; NaN when the model has no calibration
 * @param contributions per-coordinate terms whose sum is the log-density {@code log p(x)} at the event's values;
 *     exactly {@code log p(x_i | x_<i)} when {@code exactConditionals} is true. In density units: which features
 *     make the event unlikely is {@link Scorer#attribute}
 * @param exactConditionals whether contributions are exact autoregressive conditionals
 */
public record Score(double logLikelihood, double bitsPerDimension, double latentSquaredNorm, double typicality,
        float[] contributions, boolean exactConditionals) {

    /**
     * Index of the feature with the lowest contribution (density units; see {@link Scorer#attribute} for a unit-free
     * ranking by conditional tail).
     */
    public int mostAnomalousFeature() {
        int worst = 0;
        for (int i = 1; i < contributions.length; i++) {
            if (contributions[i] < contributions[worst]) {
                worst = i;
            }
        }
        return worst;
    }
}
