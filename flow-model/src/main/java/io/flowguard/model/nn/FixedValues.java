package io.flowguard.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import io.flowguard.model.FlowGuardException;

/** Initialises a parameter to given values (statistics fitted from data, buffers with known start values). */
public final class FixedValues implements Initializer {

    private final float[] values;

    public FixedValues(float[] values) {
        this.values = values.clone();
    }

    /** Every entry equal to {@code value}; the length comes from the parameter's shape. */
    public static Initializer filled(float value) {
        return (manager, shape, dataType) -> manager.full(shape, value, dataType);
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        if (shape.size() != values.length) {
            throw new FlowGuardException("expected " + shape.size() + " values for shape " + shape
                    + ", got " + values.length);
        }
        return manager.create(values, shape).toType(dataType, false);
    }
}
