package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.FlowGuardException;

/**
 * Restricts a bijector to the active coordinates: {@code z_i = f(x)_i} where {@code active[i]}, {@code z_i = x_i}
 * elsewhere, with the log-determinant of inactive coordinates zero. Valid for bijectors with a triangular Jacobian
 * whose diagonal entries are exactly the per-coordinate log-determinants; not for a mixing layer
 * ({@link InvertibleLinear}), which takes the active mask itself instead.
 *
 * <p>Used for features that are constant in the training data: a learnable layer would shrink their scale without
 * bound (infinite density), so they bypass every learned layer and keep the fixed scale of the standardisation.
 *
 * <p>Contract for the inverse to stay exact: the inner bijector must not condition an active coordinate on an
 * inactive one (an autoregressive layer puts inactive coordinates last in its ordering; a coupling layer may condition
 * on them freely, since it never changes the coordinates it conditions on).
 */
public final class PassThrough extends BijectorBlock {

    private static final byte VERSION = 1;

    private final boolean[] active;
    private final Bijector inner;
    private NDArray activeMask;
    private NDArray inactiveMask;

    public <B extends BijectorBlock> PassThrough(B inner, boolean[] active) {
        super(inner.features(), VERSION);
        if (active.length != inner.features()) {
            throw new FlowGuardException("expected " + inner.features() + " active flags, got " + active.length);
        }
        this.active = active.clone();
        this.inner = addChildBlock("inner", inner);
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        if (activeMask == null) {
            float[] a = new float[features];
            for (int i = 0; i < features; i++) {
                a[i] = active[i] ? 1f : 0f;
            }
            activeMask = manager.create(a, new Shape(features)).toType(dataType, false);
            inactiveMask = minusFrom(1, activeMask);
        }
    }

    private Transformed restrict(NDArray input, Transformed t) {
        NDArray value = t.value().mul(activeMask).add(input.mul(inactiveMask));
        return new Transformed(value, t.logAbsDet().mul(activeMask));
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        return restrict(x, inner.forward(x, training));
    }

    @Override
    public Transformed inverse(NDArray y) {
        return restrict(y, inner.inverse(y));
    }

    @Override
    public Transformed initializeFromData(NDArray x) {
        return restrict(x, inner.initializeFromData(x));
    }

    @Override
    public long flopsPerEvent() {
        return inner.flopsPerEvent();
    }

    public Bijector inner() {
        return inner;
    }
}
