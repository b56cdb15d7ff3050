package io.flowguard.model.score;

/**
 * The model's verdict on one event.
 *
 * @param logLikelihood {@code log p(x)} in nats, in the units of the raw features
 * @param bitsPerDimension {@code -log2 p(x) / d}
 * @param latentSquaredNorm {@code ||f(x)||^2}; chi-squared with d degrees of freedom for events from the model
 * @param typicality {@code (log p(x) - mean) / std} against held-out data; NaN when the model has no calibration
 * @param contributions per-feature terms whose sum is {@code log p(x)}; exactly {@code log p(x_i | x_<i)} when
 *     {@code exactConditionals} is true
 * @param exactConditionals whether contributions are exact autoregressive conditionals
 */
public record Score(double logLikelihood, double bitsPerDimension, double latentSquaredNorm, double typicality,
        float[] contributions, boolean exactConditionals) {

    /** Index of the feature with the lowest contribution: the most surprising feature given the earlier ones. */
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
