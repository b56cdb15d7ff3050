package io.flowguard.model.flow;

import io.flowguard.model.bijector.BijectorBlock;
import io.flowguard.model.bijector.PlanarTransform;
import io.flowguard.model.bijector.RadialTransform;
import io.flowguard.model.bijector.ResidualTransform;

/**
 * The learned layers of the flow kinds whose Jacobian is not triangular (PLANAR, RADIAL, RESFLOW). Their
 * log-determinant comes from the matrix determinant lemma (planar, radial) or from the Jacobian of a contractive
 * residual map (residual flow), and is spread evenly over the active features, so per-feature contributions of
 * these kinds are not conditionals ({@link FlowSpec#attributionsAreConditionals()} is false).
 *
 * <p>Spec fields used: {@code layers} (planar/radial layers or residual blocks), and for RESFLOW
 * {@code hiddenFeatures} and {@code hiddenLayers} (the residual map {@code g}); {@code normalization} inserts ActNorm
 * or BatchNorm between layers as for the other kinds. The residual map's Lipschitz bound is {@value #LIPSCHITZ}.
 */
final class FreeFormLayers {

    /** {@code Lip(g)} of every residual block. */
    static final double LIPSCHITZ = 0.9;

    private FreeFormLayers() {}

    static boolean isFreeForm(FlowKind kind) {
        return kind == FlowKind.PLANAR || kind == FlowKind.RADIAL || kind == FlowKind.RESFLOW;
    }

    /** Layers when the spec does not say: planar and radial layers are cheap and weak, residual blocks costly. */
    static int defaultLayers(FlowKind kind) {
        return kind == FlowKind.RESFLOW ? 8 : 32;
    }

    static BijectorBlock layer(FlowSpec spec, boolean[] active, long seed) {
        return switch (spec.kind()) {
            case PLANAR -> new PlanarTransform(active, seed);
            case RADIAL -> new RadialTransform(active, seed);
            case RESFLOW -> new ResidualTransform(active, spec.hidden(), LIPSCHITZ, seed);
            default -> throw new IllegalArgumentException("not a free-form kind: " + spec.kind());
        };
    }
}
