package io.flowguard.model.flow;

/** How a feature is treated, decided from training data. */
public enum FeatureKind {
    /** Real-valued. */
    CONTINUOUS,
    /**
     * Values on a lattice {@code v0 + k * quantum} (integers, counts, pixel levels, or standardised versions of
     * them): uniform dequantisation noise of one lattice step is added while training (Uria et al. 2013), so the
     * model learns a density rather than spikes on the lattice points.
     */
    DISCRETE,
    /** A single value in training: bypasses every learned layer with a fixed scale, so density stays finite. */
    CONSTANT
}
