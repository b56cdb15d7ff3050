package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.flowguard.model.nn.Tensors;

/**
 * Activation normalisation (Kingma and Dhariwal, "Glow", NeurIPS 2018): {@code z = (x - b) exp(-s)},
 * {@code log |dz/dx| = -s}, with trainable {@code b, s} set from the first batch so that each coordinate starts with
 * zero mean and unit variance. Unlike BatchNorm it is batch-independent in training too, hence always exact.
 */
public final class ActNorm extends BijectorBlock {

    private static final byte VERSION = 1;
    private static final float MIN_STD = 1e-3f;

    private final Parameter shift;
    private final Parameter logScale;

    public ActNorm(int features) {
        super(features, VERSION);
        this.shift = vector("shift", 0f);
        this.logScale = vector("logScale", 0f);
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray negLog = logScale.getArray().neg();
        return new Transformed(x.sub(shift.getArray()).mul(negLog.exp()), negLog);
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        NDArray log = logScale.getArray();
        return new Transformed(y.mul(log.exp()).add(shift.getArray()), log);
    }

    @Override
    public Transformed initializeFromData(NDArray x) {
        checkInput(x);
        NDArray mean = x.mean(new int[] {0});
        NDArray std = x.sub(mean).square().mean(new int[] {0}).sqrt();
        std = atLeast(std, MIN_STD);
        Tensors.assign(shift.getArray(), mean.toFloatArray());
        Tensors.assign(logScale.getArray(), std.log().toFloatArray());
        return forward(x, false);
    }
}
