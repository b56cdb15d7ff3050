package io.flowguard.model.checkpoint;

import java.util.Arrays;

/** A named parameter's values in a checkpoint: shape and row-major float32 data. */
public record Tensor(long[] shape, float[] values) {

    public Tensor {
        shape = shape.clone();
        values = values.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(t.shape, shape) && Arrays.equals(t.values, values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
