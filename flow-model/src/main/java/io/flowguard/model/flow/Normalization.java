package io.flowguard.model.flow;

/** Normalisation bijector inserted between flow layers. */
public enum Normalization {
    NONE,
    /** {@link io.flowguard.model.bijector.ActNorm}: data-initialised, batch-independent. */
    ACTNORM,
    /** {@link io.flowguard.model.bijector.BatchNormTransform}: running averages in inference mode. */
    BATCHNORM
}
