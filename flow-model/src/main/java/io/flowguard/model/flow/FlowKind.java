package io.flowguard.model.flow;

/** The flow families FlowGuard builds. */
public enum FlowKind {
    /** Masked Autoregressive Flow: affine autoregressive layers (Papamakarios et al. 2017). */
    MAF,
    /** Autoregressive rational-quadratic neural spline flow (Durkan et al. 2019). */
    NSF,
    /** Coupling rational-quadratic neural spline flow: one-pass sampling (Durkan et al. 2019). */
    NSF_COUPLING,
    /** Planar flow: {@code z = x + u tanh(w^T x + b)} layers (Rezende and Mohamed 2015). Not triangular. */
    PLANAR,
    /** Radial flow: {@code z = x + beta (x - x0) / (alpha + |x - x0|)} layers (Rezende and Mohamed 2015). */
    RADIAL,
    /** Residual flow: spectrally normalised residual blocks {@code z = x + g(x)} (Chen et al. 2019). */
    RESFLOW
}
