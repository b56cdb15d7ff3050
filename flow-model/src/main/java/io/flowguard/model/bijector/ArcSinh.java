package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.nn.Parameter;

/**
 * Heavy-tail compression on selected coordinates: {@code z_i = asinh(x_i)} where {@code mask_i = 1}, identity
 * elsewhere; {@code log |dz_i/dx_i| = -1/2 log(1 + x_i^2)}. asinh is linear near 0 and logarithmic in the tails, so a
 * feature spanning several orders of magnitude (amounts, latencies, byte counts) reaches the flow on a scale it can
 * model, while log p(x) stays exact. Inverse: {@code x = sinh(z)}, {@code log |dx/dz| = log cosh z}.
 */
public final class ArcSinh extends BijectorBlock {

    private static final byte VERSION = 1;
    private static final float LOG_TWO = (float) StrictMath.log(2);
    private static final float LARGE = 1e8f;
    /** sinh overflows float32 just above 89. */
    private static final float MAX_SINH_ARGUMENT = 88f;

    private final Parameter mask;

    public ArcSinh(float[] mask) {
        super(mask.length, VERSION);
        this.mask = buffer("mask", mask);
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray m = mask.getArray();
        NDArray y = asinh(x).mul(m).add(x.mul(minusFrom(1, m)));
        NDArray logDet = times(plus(x.square(), 1).log(), -0.5).mul(m);
        return new Transformed(y, logDet);
    }

    /**
     * {@code asinh x = sign(x) log(|x| + sqrt(x^2 + 1))}, with {@code log(2|x|)} above 1e8 where the square would
     * lose everything (the engine has no asinh kernel). The square is taken of a clamped value so that no branch
     * ever produces an infinity whose zero-weighted gradient would turn into NaN.
     */
    static NDArray asinh(NDArray x) {
        NDArray a = x.abs();
        NDArray small = atMost(a, LARGE);
        NDArray near = small.add(plus(small.square(), 1).sqrt()).log();
        NDArray far = plus(atLeast(a, LARGE).log(), LOG_TWO);
        return NDArrays.where(a.gt(LARGE), far, near).mul(x.sign());
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        NDArray m = mask.getArray();
        NDArray x = y.clip(-MAX_SINH_ARGUMENT, MAX_SINH_ARGUMENT).sinh().mul(m).add(y.mul(minusFrom(1, m)));
        NDArray a = y.abs();
        // log cosh y = |y| + log(1 + e^{-2|y|}) - log 2, without overflow for large |y|
        NDArray logCosh = minus(a.add(plus(times(a, -2).exp(), 1).log()), LOG_TWO);
        return new Transformed(x, logCosh.mul(m));
    }
}
