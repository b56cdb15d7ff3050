package io.flowguard.model.nn;

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic between a tensor and a scalar that is safe under autograd.
 *
 * <p>Model code never passes a {@code Number} to {@code NDArray.mul/div/add/sub/maximum/minimum}: the PyTorch engine
 * (DJL 0.35) implements those as {@code try (NDArray s = manager.create(n)) { return mul(s); }}, a 0-d tensor over a
 * Java direct buffer that is closed as soon as the op returns. Autograd keeps that tensor for the backward pass of
 * {@code mul}, {@code div} and {@code maximum}, so by the time gradients are computed its memory may already have
 * been freed by the garbage collector: gradients then depend on GC timing, and can be infinite or crash the JVM (we
 * observed all three). Here the scalar is an ordinary array of the caller's manager and {@link ai.djl.ndarray.NDScope},
 * so it lives until the step's scope closes, after backward.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d float32 constant on {@code like}'s manager (registered in the current NDScope, if any). */
    public static NDArray constant(NDArray like, double value) {
        return like.getManager().create((float) value);
    }

    public static NDArray times(NDArray x, double c) {
        return x.mul(constant(x, c));
    }

    public static NDArray over(NDArray x, double c) {
        return x.div(constant(x, c));
    }

    public static NDArray plus(NDArray x, double c) {
        return x.add(constant(x, c));
    }

    public static NDArray minus(NDArray x, double c) {
        return x.sub(constant(x, c));
    }

    /** {@code c - x}. */
    public static NDArray minusFrom(double c, NDArray x) {
        return constant(x, c).sub(x);
    }

    public static NDArray atLeast(NDArray x, double c) {
        return x.maximum(constant(x, c));
    }

    public static NDArray atMost(NDArray x, double c) {
        return x.minimum(constant(x, c));
    }
}
