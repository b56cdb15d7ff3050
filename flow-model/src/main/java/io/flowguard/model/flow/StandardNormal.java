package io.flowguard.model.flow;

import static io.flowguard.model.nn.Scalars.minus;
import static io.flowguard.model.nn.Scalars.times;

import ai.djl.ndarray.NDArray;
import java.util.random.RandomGenerator;

/** {@code N(0, I)}: {@code log p(z_i) = -z_i^2 / 2 - log(2 pi) / 2}. */
public final class StandardNormal implements BaseDistribution {

    public static final String NAME = "standard-normal";
    private static final float HALF_LOG_TWO_PI = (float) (0.5 * StrictMath.log(2 * Math.PI));

    @Override
    public NDArray logDensity(NDArray z) {
        return minus(times(z.square(), -0.5), HALF_LOG_TWO_PI);
    }

    @Override
    public float[] sample(int n, int features, RandomGenerator random) {
        float[] out = new float[Math.multiplyExact(n, features)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }

    @Override
    public String name() {
        return NAME;
    }
}
