package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.flowguard.model.FlowGuardException;

/**
 * Fixed per-feature affine map {@code z_i = (x_i - c_i) / s_i}, {@code log |dz_i/dx_i| = -log s_i}. Its constants
 * are fitted to training data and stored as buffers, so the flow's density stays exact in the original data units:
 * {@code log p(x) = log p(z) - sum_i log s_i}.
 */
public final class Standardize extends BijectorBlock {

    private static final byte VERSION = 1;

    private final Parameter centre;
    private final Parameter logScale;

    /** @param scale strictly positive, finite scales */
    public Standardize(float[] centre, float[] scale) {
        super(centre.length, VERSION);
        float[] logs = new float[scale.length];
        for (int i = 0; i < scale.length; i++) {
            if (!(scale[i] > 0) || !Float.isFinite(scale[i]) || !Float.isFinite(centre[i])) {
                throw new FlowGuardException("expected a finite centre and a finite scale > 0 for feature " + i
                        + ", got centre " + centre[i] + " and scale " + scale[i]);
            }
            logs[i] = (float) StrictMath.log(scale[i]);
        }
        this.centre = buffer("centre", centre);
        this.logScale = buffer("logScale", logs);
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray negLog = logScale.getArray().neg();
        return new Transformed(x.sub(centre.getArray()).mul(negLog.exp()), negLog);
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        NDArray log = logScale.getArray();
        return new Transformed(y.mul(log.exp()).add(centre.getArray()), log);
    }
}
