package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.nn.MaskedMlp;

/**
 * Coupling layer (Dinh, Sohl-Dickstein and Bengio, "Density estimation using Real NVP", ICLR 2017; with splines,
 * Durkan et al. 2019): coordinates with {@code transformed[i] = false} pass through unchanged and condition the
 * others, {@code z_B = h(x_B; theta(x_A))}, {@code z_A = x_A}. Forward and inverse are both one conditioner pass,
 * which makes sampling fast; the price is less expressiveness per layer than the autoregressive form.
 */
public final class CouplingTransform extends BijectorBlock {

    private static final byte VERSION = 1;

    private final boolean[] transformed;
    private final MaskedMlp conditioner;
    private final MonotoneTransform map;
    private NDArray transformMask;
    private NDArray keepMask;

    public CouplingTransform(boolean[] transformed, int[] hidden, MonotoneTransform map, long seed) {
        super(transformed.length, VERSION);
        int count = 0;
        for (boolean t : transformed) {
            count += t ? 1 : 0;
        }
        if (count == 0) {
            throw new FlowGuardException("expected a coupling layer to transform at least one coordinate, got none");
        }
        this.transformed = transformed.clone();
        this.map = map;
        this.conditioner = addChildBlock("conditioner",
                MaskedMlp.dense(features, hidden, map.parameterCount() * features, seed));
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        if (transformMask == null) {
            float[] t = new float[features];
            for (int i = 0; i < features; i++) {
                t[i] = transformed[i] ? 1f : 0f;
            }
            transformMask = manager.create(t, new Shape(features)).toType(dataType, false);
            keepMask = minusFrom(1, transformMask);
        }
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray params = conditioner.apply(x.mul(keepMask));
        Transformed t = map.forward(x, params);
        NDArray y = t.value().mul(transformMask).add(x.mul(keepMask));
        return new Transformed(y, t.logAbsDet().mul(transformMask));
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        NDArray params = conditioner.apply(y.mul(keepMask));
        Transformed t = map.inverse(y, params);
        NDArray x = t.value().mul(transformMask).add(y.mul(keepMask));
        return new Transformed(x, t.logAbsDet().mul(transformMask));
    }

    @Override
    public long flopsPerEvent() {
        return conditioner.flopsPerEvent();
    }
}
