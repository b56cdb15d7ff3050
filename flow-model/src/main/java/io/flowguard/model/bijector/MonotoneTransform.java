package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;

/**
 * A family of strictly increasing scalar maps {@code y_i = h(x_i; theta_i)}, applied coordinate by coordinate with
 * per-coordinate parameters produced by a conditioner. MAF uses the affine family, NSF the rational-quadratic spline:
 * the autoregressive and coupling bijectors are written once and take the family as a plug-in.
 *
 * <p>Parameter layout: {@code params} has shape {@code [batch, parameterCount * features]}, parameter-major: entry
 * {@code p * features + i} is parameter {@code p} of coordinate {@code i}.
 */
public interface MonotoneTransform {

    /** Parameters per coordinate ({@code P}). */
    int parameterCount();

    /** {@code (h(x; theta), log h'(x; theta))} per coordinate. */
    Transformed forward(NDArray x, NDArray params);

    /** {@code (h^-1(y; theta), log (h^-1)'(y; theta))} per coordinate. */
    Transformed inverse(NDArray y, NDArray params);
}
