package io.flowguard.model.flow;

import io.flowguard.model.FlowGuardException;

/**
 * One feature of the model's input and its fitted preprocessing:
 * {@code u = (x - centre) / scale}, then, if {@code heavyTail}, {@code u = (asinh(u) - postCentre) / postScale}.
 *
 * @param name column name in the source data
 * @param kind continuous, discrete (dequantised in training) or constant (passed through)
 * @param quantum lattice step of a discrete feature (the dequantisation noise width), 0 otherwise
 * @param centre first-stage centre (mean, or median for heavy-tailed features)
 * @param scale first-stage scale (std, or a robust IQR-based scale for heavy-tailed features), > 0
 * @param heavyTail whether asinh compression is applied
 * @param postCentre mean of the compressed values (0 when not heavy-tailed)
 * @param postScale std of the compressed values (1 when not heavy-tailed), > 0
 */
public record FeatureSpec(String name, FeatureKind kind, float quantum, float centre, float scale, boolean heavyTail,
        float postCentre, float postScale) {

    public FeatureSpec {
        if (name == null || kind == null) {
            throw new FlowGuardException("expected a feature name and kind, got " + name + " and " + kind);
        }
    }
}
