package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;

/**
 * An invertible map {@code f} on {@code R^d} with a tractable log-determinant, applied to batches of shape
 * {@code [batch, features]}.
 *
 * <p>Direction convention (as in MAF): {@link #forward} goes from data to latent (the density direction, one pass),
 * {@link #inverse} from latent to data (the sampling direction). With {@code z = f(x)},
 * {@code log p(x) = log p_Z(z) + log |det df/dx|}.
 *
 * <p>Log-determinants are reported per coordinate and their sum over the coordinates is {@code log |det df/dx|}.
 * Almost every implementation has a triangular Jacobian in some ordering of the coordinates, and then the
 * per-coordinate terms are its diagonal, {@code log |df_i/dx_i|}; coordinates are never moved between positions
 * (orderings live inside the conditioners and masks), which keeps per-feature attributions aligned with the input
 * features. The exceptions: a mixing layer ({@link InvertibleLinear}, Glow's LU linear map) reports the terms of its
 * log-determinant ({@code log |U_ii|}) per coordinate, and the planar, radial and residual bijectors
 * ({@link PlanarTransform}, {@link RadialTransform}, {@link ResidualTransform}) spread their total evenly over the
 * coordinates they act on: their entries sum correctly but are not {@code log |df_i/dx_i|}, so the per-feature
 * terms of a flow containing one are not conditionals.
 */
public interface Bijector {

    /** The dimension {@code d} this bijector acts on. */
    int features();

    /**
     * Data to latent: {@code (f(x), log |df/dx| per coordinate)}.
     *
     * @param x batch, shape {@code [batch, features]}
     * @param training true while fitting (batch statistics in BatchNorm); false for exact, batch-independent output
     */
    Transformed forward(NDArray x, boolean training);

    /**
     * Latent to data: {@code (f^-1(y), log |df^-1/dy| per coordinate)}; always in inference mode.
     *
     * @param y batch, shape {@code [batch, features]}
     */
    Transformed inverse(NDArray y);

    /**
     * Data-dependent initialisation (ActNorm sets its shift and scale from the first batch). The default does
     * nothing. Returns the forward output so that a chain can initialise layer after layer.
     */
    default Transformed initializeFromData(NDArray x) {
        return forward(x, false);
    }

    /** Multiply-add work per event in one forward pass, counted as 2 FLOP per multiply-add (for benchmarks). */
    default long flopsPerEvent() {
        return 0;
    }
}
