package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.nn.FixedValues;

/**
 * DJL plumbing shared by the bijectors: every bijector is a {@link ai.djl.nn.Block} so that its parameters and
 * buffers are declared in its constructor, named, initialised and saved the DJL way. {@code forward} through the DJL
 * API returns {@code (value, logAbsDet)}.
 */
public abstract class BijectorBlock extends AbstractBlock implements Bijector {

    protected final int features;

    protected BijectorBlock(int features, byte version) {
        super(version);
        if (features <= 0) {
            throw new FlowGuardException("expected at least one feature, got " + features);
        }
        this.features = features;
    }

    @Override
    public final int features() {
        return features;
    }

    /** Declares a trainable {@code [features]} vector starting at {@code start}. */
    protected final Parameter vector(String name, float start) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER)
                .optShape(new Shape(features)).optInitializer(FixedValues.filled(start)).build());
    }

    /** Declares a non-trainable {@code [features]} buffer with the given values (saved with the model). */
    protected final Parameter buffer(String name, float[] values) {
        if (values.length != features) {
            throw new FlowGuardException("expected " + features + " values for '" + name + "', got " + values.length);
        }
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER)
                .optShape(new Shape(features)).optInitializer(new FixedValues(values)).optRequiresGrad(false)
                .build());
    }

    /** Checks that a batch is {@code [batch, features]}. */
    protected final void checkInput(NDArray x) {
        Shape shape = x.getShape();
        if (shape.dimension() != 2 || shape.get(1) != features) {
            throw new FlowGuardException("expected a batch of shape [batch, " + features + "], got " + shape);
        }
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Block child : children.values()) {
            child.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        Transformed t = forward(inputs.singletonOrThrow(), training);
        return new NDList(t.value(), t.logAbsDet());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0], inputShapes[0]};
    }
}
