package io.flowguard.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.flowguard.model.FlowGuardException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A conditioner network: linear layers with ReLU between them, optionally masked. {@link #made} builds the MADE of an
 * autoregressive layer (output {@code p * d + i} depends only on inputs earlier than {@code i} in {@code order});
 * {@link #dense} builds the unmasked network of a coupling layer. The last layer starts small so that a fresh flow
 * is close to the identity.
 */
public final class MaskedMlp extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final double OUTPUT_INIT_SCALE = 1e-2;

    private final List<MaskedLinear> layers = new ArrayList<>();
    private final int in;
    private final int out;

    private MaskedMlp(int in, int[] hidden, int out, float[][] masks, long seed) {
        super(VERSION);
        this.in = in;
        this.out = out;
        SplittableRandom seeds = new SplittableRandom(seed);
        int width = in;
        for (int l = 0; l <= hidden.length; l++) {
            int next = l < hidden.length ? hidden[l] : out;
            double scale = l < hidden.length ? 1.0 : OUTPUT_INIT_SCALE;
            layers.add(addChildBlock("linear" + l,
                    new MaskedLinear(width, next, masks == null ? null : masks[l], scale, seeds.nextLong())));
            width = next;
        }
    }

    /**
     * MADE with {@code parameters} outputs per coordinate.
     *
     * @param order degree of each input, a permutation of {@code 1..d}
     */
    public static MaskedMlp made(int[] order, int[] hidden, int parameters, long seed) {
        int d = order.length;
        checkHidden(hidden);
        int[] degrees = MadeMasks.checkOrder(order);
        float[][] masks = new float[hidden.length + 1][];
        for (int l = 0; l < hidden.length; l++) {
            int[] next = MadeMasks.hiddenDegrees(hidden[l], d);
            masks[l] = MadeMasks.hiddenMask(next, degrees);
            degrees = next;
        }
        masks[hidden.length] = MadeMasks.outputMask(order, parameters, degrees);
        return new MaskedMlp(d, hidden, parameters * d, masks, seed);
    }

    /** A dense MLP {@code in -> hidden... -> out}. */
    public static MaskedMlp dense(int in, int[] hidden, int out, long seed) {
        checkHidden(hidden);
        return new MaskedMlp(in, hidden, out, null, seed);
    }

    private static void checkHidden(int[] hidden) {
        if (hidden.length == 0) {
            throw new FlowGuardException("expected at least one hidden layer, got none");
        }
    }

    /** {@code [batch, in] -> [batch, out]}. */
    public NDArray apply(NDArray x) {
        NDArray h = x;
        for (int l = 0; l < layers.size(); l++) {
            h = layers.get(l).apply(h);
            if (l < layers.size() - 1) {
                h = Activation.relu(h);
            }
        }
        return h;
    }

    public long flopsPerEvent() {
        return layers.stream().mapToLong(MaskedLinear::flopsPerEvent).sum();
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
        return new NDList(apply(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), out)};
    }

    public int inputs() {
        return in;
    }
}
