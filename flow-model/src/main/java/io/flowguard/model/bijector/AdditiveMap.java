package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;

/**
 * The additive family of NICE (Dinh, Krueger and Bengio, "NICE: Non-linear Independent Components Estimation", ICLR
 * 2015 workshop, arXiv:1410.8516, section 3.2): {@code y = x + t} with {@code log h'(x) = 0}. In a coupling layer
 * ({@code t = m(x_A)}) the map is volume preserving, so the only change of volume in a NICE flow is its final
 * diagonal scaling.
 *
 * <p>One parameter per coordinate, the shift {@code t}; shapes as in {@link MonotoneTransform}.
 */
public final class AdditiveMap implements MonotoneTransform {

    @Override
    public int parameterCount() {
        return 1;
    }

    @Override
    public Transformed forward(NDArray x, NDArray params) {
        return new Transformed(x.add(params), x.zerosLike());
    }

    @Override
    public Transformed inverse(NDArray y, NDArray params) {
        return new Transformed(y.sub(params), y.zerosLike());
    }
}
