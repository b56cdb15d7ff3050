package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import io.flowguard.model.nn.MaskedMlp;

/**
 * Autoregressive layer {@code z_i = h(x_i; theta_i(x_<i))} with a MADE conditioner; the ordering {@code <} is the
 * layer's {@code order}. With the affine family this is one MAF layer (Papamakarios et al. 2017), with the
 * rational-quadratic spline one autoregressive NSF layer (Durkan et al. 2019).
 *
 * <p>Density direction (forward) is a single conditioner pass. Sampling (inverse) needs {@code d} passes: after pass
 * {@code k} the coordinates of rank {@code <= k} in the ordering are exact.
 */
public final class AutoregressiveTransform extends BijectorBlock {

    private static final byte VERSION = 1;

    private final MaskedMlp made;
    private final MonotoneTransform map;

    /**
     * @param order degree of each coordinate (a permutation of {@code 1..d}); identical orders in every layer make
     *     the whole flow autoregressive in that order
     */
    public AutoregressiveTransform(int[] order, int[] hidden, MonotoneTransform map, long seed) {
        super(order.length, VERSION);
        this.map = map;
        this.made = addChildBlock("made", MaskedMlp.made(order, hidden, map.parameterCount(), seed));
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        return map.forward(x, made.apply(x));
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        return solve(y, false);
    }

    /**
     * The {@code d}-pass inverse. With {@code keepGraph} every intermediate stays on the caller's manager, so that
     * autograd can differentiate through the passes (IAF trains in this direction); without it each pass runs in its
     * own scope and only the last one's arrays survive, which keeps inference memory flat.
     */
    Transformed solve(NDArray y, boolean keepGraph) {
        NDArray x = y.zerosLike();
        Transformed step = null;
        for (int pass = 0; pass < features; pass++) {
            if (keepGraph) {
                step = map.inverse(y, made.apply(x));
                x = step.value();
                continue;
            }
            NDArray previous = x;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                step = map.inverse(y, made.apply(x));
                NDScope.unregister(step.value(), step.logAbsDet());
            }
            x = step.value();
            if (pass < features - 1) {
                step.logAbsDet().close();
            }
            previous.close();
        }
        return step;
    }

    @Override
    public long flopsPerEvent() {
        return made.flopsPerEvent();
    }
}
