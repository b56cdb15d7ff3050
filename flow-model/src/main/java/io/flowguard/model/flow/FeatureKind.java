package io.flowguard.model.flow;

/** How a feature is treated, decided from training data. */
public enum FeatureKind {
    /** Real-valued. */
    CONTINUOUS,
    /** Integer-valued: uniform dequantisation noise in [-1/2, 1/2) is added while training (Uria et al. 2013). */
    INTEGER,
    /** A single value in training: bypasses every learned layer with a fixed scale, so density stays finite. */
    CONSTANT
}
