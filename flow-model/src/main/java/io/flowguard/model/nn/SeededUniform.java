package io.flowguard.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.SplittableRandom;

/**
 * {@code U(-bound, bound)} drawn on the JVM from a fixed seed, so that a model initialises to the same bits on every
 * engine and device (engine RNGs differ between CPU and CUDA).
 */
public final class SeededUniform implements Initializer {

    private final double bound;
    private final long seed;

    public SeededUniform(double bound, long seed) {
        this.bound = bound;
        this.seed = seed;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((2 * random.nextDouble() - 1) * bound);
        }
        return manager.create(values, shape).toType(dataType, false);
    }
}
