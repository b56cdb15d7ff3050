package io.flowguard.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.flowguard.model.FlowGuardException;

/**
 * Writing into tensors the engine owns.
 *
 * <p>Never use {@code NDArray.set(float[])} on an array that can outlive its Java wrapper: on the CPU the PyTorch
 * engine implements it by pointing the tensor's storage at a fresh direct {@link java.nio.ByteBuffer} that only that
 * wrapper keeps alive. For a gradient handle (closed after the step) the garbage collector then frees memory the
 * tensor still uses; we saw heap corruption and crashes inside backward. These helpers copy in place instead.
 */
public final class Tensors {

    private static final NDIndex ALL = new NDIndex("...");

    private Tensors() {}

    /** Copies {@code values} (row-major) into {@code target}'s own storage. */
    public static void assign(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new FlowGuardException("expected " + target.size() + " values for shape " + target.getShape()
                    + ", got " + values.length);
        }
        try (NDArray source = target.getManager().create(values, target.getShape())) {
            // PyTorch refuses an in-place write into a leaf that requires grad while grad mode is on, and grad
            // mode is on by default in every thread but the one that started the engine (a swap thread, say)
            boolean requiresGrad = target.hasGradient();
            if (requiresGrad) {
                target.setRequiresGradient(false);
            }
            try {
                target.set(ALL, source);
            } finally {
                if (requiresGrad) {
                    target.setRequiresGradient(true);
                }
            }
        }
    }

    /**
     * Detaches every parameter of {@code block} from autograd: an inference-only model then builds no gradient graph
     * on whatever thread scores with it.
     */
    public static void freeze(ai.djl.nn.Block block) {
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            if (a != null && a.hasGradient()) {
                a.setRequiresGradient(false);
            }
        }
    }

    /** Sets every element of {@code target} to zero in place (also clears NaN and infinities). */
    public static void zero(NDArray target) {
        target.set(ALL, 0f);
    }
}
