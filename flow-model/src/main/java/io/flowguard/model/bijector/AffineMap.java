package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.flowguard.model.FlowGuardException;

/**
 * The affine family of MAF (Papamakarios, Pavlakou and Murray, "Masked Autoregressive Flow for Density Estimation",
 * NeurIPS 2017): {@code y = x * exp(s) + t} with {@code log h'(x) = s}.
 *
 * <p>Parameters per coordinate: {@code t} (shift) and an unconstrained {@code s_raw}; the log-scale is soft-clamped,
 * {@code s = B tanh(s_raw / B)}, so that one layer can never scale a coordinate by more than {@code e^B}. Without the
 * bound a flow trained on near-duplicate rows can drive a scale to infinity and its density with it.
 */
public final class AffineMap implements MonotoneTransform {

    private final float logScaleBound;

    /** @param logScaleBound {@code B > 0}, the largest |log-scale| one layer may apply */
    public AffineMap(double logScaleBound) {
        if (!(logScaleBound > 0) || Double.isInfinite(logScaleBound)) {
            throw new FlowGuardException("expected a finite log-scale bound > 0, got " + logScaleBound);
        }
        this.logScaleBound = (float) logScaleBound;
    }

    @Override
    public int parameterCount() {
        return 2;
    }

    private NDArray[] shiftAndLogScale(NDArray params) {
        NDList parts = params.split(2, 1);
        NDArray shift = parts.get(0);
        NDArray logScale = times(over(parts.get(1), logScaleBound).tanh(), logScaleBound);
        return new NDArray[] {shift, logScale};
    }

    @Override
    public Transformed forward(NDArray x, NDArray params) {
        NDArray[] ts = shiftAndLogScale(params);
        return new Transformed(x.mul(ts[1].exp()).add(ts[0]), ts[1]);
    }

    @Override
    public Transformed inverse(NDArray y, NDArray params) {
        NDArray[] ts = shiftAndLogScale(params);
        NDArray negLogScale = ts[1].neg();
        return new Transformed(y.sub(ts[0]).mul(negLogScale.exp()), negLogScale);
    }
}
