package io.flowguard.model.flow;

/** The flow families FlowGuard builds. */
public enum FlowKind {
    /** Masked Autoregressive Flow: affine autoregressive layers (Papamakarios et al. 2017). */
    MAF,
    /** Autoregressive rational-quadratic neural spline flow (Durkan et al. 2019). */
    NSF,
    /** Coupling rational-quadratic neural spline flow: one-pass sampling (Durkan et al. 2019). */
    NSF_COUPLING,
    /** Additive coupling, volume preserving, and a final diagonal scaling (Dinh et al. 2014). */
    NICE,
    /** Affine coupling with alternating masks and permutations (Dinh et al. 2017). */
    REALNVP,
    /** Tabular Glow: ActNorm, an invertible linear layer in LU form and affine coupling (Kingma and Dhariwal 2018). */
    GLOW,
    /** Inverse autoregressive flow: one-pass sampling, d-pass density (Kingma et al. 2016). */
    IAF,
    /** Planar flow: {@code z = x + u tanh(w^T x + b)} layers (Rezende and Mohamed 2015). Not triangular. */
    PLANAR,
    /** Radial flow: {@code z = x + beta (x - x0) / (alpha + |x - x0|)} layers (Rezende and Mohamed 2015). */
    RADIAL,
    /** Residual flow: spectrally normalised residual blocks {@code z = x + g(x)} (Chen et al. 2019). */
    RESFLOW,
    /** Continuous normalizing flow trained by conditional flow matching (Grathwohl et al. 2019; Lipman et al. 2023). */
    CNF
}
