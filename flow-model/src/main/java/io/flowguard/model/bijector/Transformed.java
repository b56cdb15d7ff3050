package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;

/**
 * The result of a bijection applied to a batch together with its log-determinant.
 *
 * @param value the transformed batch, shape {@code [batch, features]}
 * @param logAbsDet {@code log |d value_i / d input_i|} per coordinate, broadcastable to {@code [batch, features]}.
 *     The total {@code log |det J|} is the sum of this array over the feature axis. For a triangular Jacobian (in
 *     some ordering of the coordinates; every bijector but the mixing {@link InvertibleLinear} and the planar,
 *     radial and residual ones) entry {@code i} is {@code log |d value_i / d input_i|}; for a mixing layer it is the
 *     {@code i}-th term of the log-determinant, for planar, radial and residual layers an even share of the total.
 */
public record Transformed(NDArray value, NDArray logAbsDet) {

    /** The total {@code log |det J|}, shape {@code [batch]} (or a scalar when the Jacobian is constant). */
    public NDArray totalLogAbsDet() {
        return logAbsDet.sum(new int[] {-1});
    }
}
