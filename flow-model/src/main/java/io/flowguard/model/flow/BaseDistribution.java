package io.flowguard.model.flow;

import ai.djl.ndarray.NDArray;
import java.util.random.RandomGenerator;

/** A fully factorised base density {@code p_Z(z) = prod_i p(z_i)} of a flow. */
public interface BaseDistribution {

    /** {@code log p(z_i)} per coordinate, shape {@code [batch, features]}. */
    NDArray logDensity(NDArray z);

    /** Draws {@code n * features} values, row-major. */
    float[] sample(int n, int features, RandomGenerator random);

    /** A stable name stored in checkpoints. */
    String name();
}
