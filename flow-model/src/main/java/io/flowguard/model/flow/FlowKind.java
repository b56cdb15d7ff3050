package io.flowguard.model.flow;

/** The flow families FlowGuard builds. */
public enum FlowKind {
    /** Masked Autoregressive Flow: affine autoregressive layers (Papamakarios et al. 2017). */
    MAF,
    /** Autoregressive rational-quadratic neural spline flow (Durkan et al. 2019). */
    NSF,
    /** Coupling rational-quadratic neural spline flow: one-pass sampling (Durkan et al. 2019). */
    NSF_COUPLING
}
