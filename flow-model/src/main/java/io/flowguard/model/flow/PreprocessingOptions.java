package io.flowguard.model.flow;

import io.flowguard.model.FlowGuardException;

/**
 * How {@link FeatureSchema#fit} turns training statistics into preprocessing.
 *
 * @param heavyTail AUTO applies asinh to features whose |skewness| or excess kurtosis exceed the thresholds
 * @param dequantize treat integer-valued features as integers (dequantised while training)
 * @param skewnessThreshold |sample skewness| above which AUTO calls a feature heavy-tailed
 * @param kurtosisThreshold sample excess kurtosis above which AUTO calls a feature heavy-tailed
 */
public record PreprocessingOptions(HeavyTail heavyTail, boolean dequantize, double skewnessThreshold,
        double kurtosisThreshold) {

    /** Heavy-tail policy. */
    public enum HeavyTail { AUTO, ALWAYS, NEVER }

    public PreprocessingOptions {
        if (heavyTail == null) {
            throw new FlowGuardException("expected a heavy-tail policy (auto|always|never), got null");
        }
        if (!(skewnessThreshold > 0) || !(kurtosisThreshold > 0)) {
            throw new FlowGuardException("expected positive heavy-tail thresholds, got skewness "
                    + skewnessThreshold + " and kurtosis " + kurtosisThreshold);
        }
    }

    public static PreprocessingOptions defaults() {
        return new PreprocessingOptions(HeavyTail.AUTO, true, 3.0, 20.0);
    }
}
