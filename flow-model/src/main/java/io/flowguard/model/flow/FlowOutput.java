package io.flowguard.model.flow;

import ai.djl.ndarray.NDArray;

/**
 * What one forward pass of a flow yields for a batch.
 *
 * @param latent {@code z = f(x)}, shape {@code [batch, features]}
 * @param contributions {@code log p_Z(z_i) + sum over layers of log |dz_i/dx_i|}, shape {@code [batch, features]}.
 *     Their sum over features is exactly {@code log p(x)}. When every autoregressive layer uses the input order (and
 *     no coupling or mixing layer is present: MAF, NSF or IAF in the natural order, see
 *     {@link FlowSpec#attributionsAreConditionals}) entry {@code i} is exactly {@code log p(x_i | x_<i)}; planar, radial
 *     and residual layers add an even share of their log-determinant to every active feature instead.
 */
public record FlowOutput(NDArray latent, NDArray contributions) {

    /** {@code log p(x)}, shape {@code [batch]}, in nats. */
    public NDArray logProb() {
        return contributions.sum(new int[] {1});
    }

    /** {@code ||z||^2}, shape {@code [batch]}; chi-squared with {@code d} degrees of freedom under the model. */
    public NDArray latentSquaredNorm() {
        return latent.square().sum(new int[] {1});
    }
}
