package io.flowguard.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.flowguard.model.FlowGuardException;

/**
 * {@code y = x (W * M)^T + b}: a linear layer whose weight is multiplied by a fixed 0/1 mask {@code M} (MADE), or a
 * plain linear layer when no mask is given. Weight {@code [out, in]} and bias {@code [out]} start uniform in
 * {@code +-scale / sqrt(in)} from a fixed seed. The mask is rebuilt from the architecture, never stored.
 */
public final class MaskedLinear extends AbstractBlock {

    private static final byte VERSION = 1;

    private final int in;
    private final int out;
    private final float[] maskValues;
    private final Parameter weight;
    private final Parameter bias;
    private NDArray mask;

    /**
     * @param mask row-major {@code [out, in]} 0/1 values, or null for a dense layer
     * @param initScale multiplies the default init bound (use a small value for a near-identity first step)
     */
    public MaskedLinear(int in, int out, float[] mask, double initScale, long seed) {
        super(VERSION);
        if (in <= 0 || out <= 0) {
            throw new FlowGuardException("expected positive layer sizes, got " + in + " -> " + out);
        }
        if (mask != null && mask.length != in * out) {
            throw new FlowGuardException("expected a mask of " + (in * out) + " entries, got " + mask.length);
        }
        this.in = in;
        this.out = out;
        this.maskValues = mask == null ? null : mask.clone();
        double bound = initScale / Math.sqrt(in);
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in)).optInitializer(new SeededUniform(bound, seed)).build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(out)).optInitializer(new SeededUniform(bound, seed ^ 0x5DEECE66DL)).build());
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        if (maskValues != null && mask == null) {
            mask = manager.create(maskValues, new Shape(out, in)).toType(dataType, false);
        }
    }

    /** Applies the layer to {@code x} of shape {@code [batch, in]}. */
    public NDArray apply(NDArray x) {
        NDArray w = weight.getArray();
        if (mask != null) {
            w = w.mul(mask);
        }
        return Linear.linear(x, w, bias.getArray()).singletonOrThrow();
    }

    public long flopsPerEvent() {
        return 2L * in * out;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), out)};
    }
}
