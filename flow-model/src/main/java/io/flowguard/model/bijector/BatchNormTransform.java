package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * Batch normalisation as a bijector (Dinh et al. 2017, appendix; used between MAF layers by Papamakarios et al.
 * 2017): {@code z = (x - mu) / sqrt(v + eps) * exp(g) + beta}, {@code log |dz/dx| = g - 1/2 log(v + eps)}.
 *
 * <p>While training, {@code mu, v} are the batch statistics and the running averages are updated; in inference mode
 * the running averages are used, so the map is a fixed affine bijection and the density is exact.
 */
public final class BatchNormTransform extends BijectorBlock {

    private static final byte VERSION = 1;
    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.05f;

    private final Parameter logGamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;

    public BatchNormTransform(int features) {
        super(features, VERSION);
        this.logGamma = vector("logGamma", 0f);
        this.beta = vector("beta", 0f);
        this.runningMean = buffer("runningMean", new float[features]);
        float[] ones = new float[features];
        java.util.Arrays.fill(ones, 1f);
        this.runningVar = buffer("runningVar", ones);
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray mean;
        NDArray var;
        if (training) {
            mean = x.mean(new int[] {0});
            var = plus(x.sub(mean).square().mean(new int[] {0}), EPS);
            NDArray rm = runningMean.getArray();
            NDArray rv = runningVar.getArray();
            rm.muli(constant(rm, 1 - MOMENTUM)).addi(times(mean.stopGradient(), MOMENTUM));
            rv.muli(constant(rv, 1 - MOMENTUM)).addi(times(var.stopGradient(), MOMENTUM));
        } else {
            mean = runningMean.getArray();
            var = plus(runningVar.getArray(), EPS);
        }
        NDArray g = logGamma.getArray();
        NDArray logStd = times(var.log(), 0.5);
        NDArray scale = g.sub(logStd);
        NDArray z = x.sub(mean).mul(scale.exp()).add(beta.getArray());
        return new Transformed(z, scale);
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        NDArray var = plus(runningVar.getArray(), EPS);
        NDArray negScale = times(var.log(), 0.5).sub(logGamma.getArray());
        NDArray x = y.sub(beta.getArray()).mul(negScale.exp()).add(runningMean.getArray());
        return new Transformed(x, negScale);
    }
}
