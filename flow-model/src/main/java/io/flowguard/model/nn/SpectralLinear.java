package io.flowguard.model.nn;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.flowguard.model.FlowGuardException;

/**
 * A linear layer whose weight is spectrally normalised to at most {@code coefficient} (Miyato et al., "Spectral
 * Normalization for Generative Adversarial Networks", ICLR 2018; as used by Behrmann et al. 2019 and Chen et al.,
 * "Residual Flows for Invertible Generative Modeling", NeurIPS 2019):
 *
 * <pre>
 *   W~ = W / max(1, sigma / c),   sigma = |W v|,   v <- normalise(W^T W v)   (power iteration)
 *   y = x W~^T + b
 * </pre>
 *
 * Weight {@code [out, in]}, bias {@code [out]}, power-iteration vector {@code v} ({@code [in]}, a saved buffer). Each
 * training-mode call runs one power iteration (no gradient) and stores {@code v}; inference starts from the stored
 * {@code v}, runs {@value #INFERENCE_ITERATIONS} more iterations and never writes, so a loaded model scores the same
 * everywhere and is safe across threads. {@code sigma = |W v|} with a unit
 * {@code v} never exceeds the true spectral norm, so {@code |W~|_2 <= c} holds up to the power iteration's error
 * (which the residual-flow tests measure against the exact norm).
 */
public final class SpectralLinear extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final NDIndex ALL = new NDIndex("...");
    private static final int ITERATIONS_AT_INIT = 50;
    private static final int INFERENCE_ITERATIONS = 3;

    private final int in;
    private final int out;
    private final double coefficient;
    private final Parameter weight;
    private final Parameter bias;
    private final Parameter vector;

    /**
     * @param coefficient bound {@code c} on the spectral norm of the normalised weight, {@code 0 < c <= 1}
     * @param seed weight and bias {@code ~ U(+-1/sqrt(in))}, {@code v ~ U(+-1)}
     */
    public SpectralLinear(int in, int out, double coefficient, long seed) {
        super(VERSION);
        if (in <= 0 || out <= 0) {
            throw new FlowGuardException("expected positive layer sizes, got " + in + " -> " + out);
        }
        if (!(coefficient > 0 && coefficient <= 1)) {
            throw new FlowGuardException("expected a spectral coefficient in (0, 1], got " + coefficient);
        }
        this.in = in;
        this.out = out;
        this.coefficient = coefficient;
        double bound = 1.0 / Math.sqrt(in);
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, in)).optInitializer(new SeededUniform(bound, seed)).build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(out)).optInitializer(new SeededUniform(bound, seed ^ 0x5DEECE66DL)).build());
        this.vector = addParameter(Parameter.builder().setName("powerVector").setType(Parameter.Type.OTHER)
                .optShape(new Shape(in)).optInitializer(new SeededUniform(1.0, seed ^ 0x2545F4914F6CDD1DL))
                .optRequiresGrad(false).build());
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        boolean fresh = !isInitialized();
        super.initialize(manager, dataType, inputShapes);
        if (fresh) {
            refresh(ITERATIONS_AT_INIT);
        }
    }

    /** Runs {@code iterations} power iterations on the current weight and stores {@code v} (no gradient). */
    public void refresh(int iterations) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray w = weight.getArray().stopGradient();
            NDArray v = vector.getArray().reshape(in, 1);
            for (int i = 0; i < iterations; i++) {
                v = normalised(w.transpose().matMul(w.matMul(v)));
            }
            vector.getArray().set(ALL, v.reshape(in));
        }
    }

    private static NDArray normalised(NDArray v) {
        return v.div(plus(v.square().sum(), 1e-30).sqrt());
    }

    /** {@code W~}, shape {@code [out, in]}; in training mode after one power iteration. */
    public NDArray normalizedWeight(boolean training) {
        NDArray w = weight.getArray();
        NDArray v = vector.getArray().reshape(in, 1);
        if (training) {
            refresh(1);
            v = vector.getArray().reshape(in, 1);
        } else {
            // a few more iterations, never stored: a weight set from outside (a test, a warm start) with a stale v
            // still gets a fair estimate; with a converged v they change sigma by float rounding only
            NDArray fixed = w.stopGradient();
            for (int i = 0; i < INFERENCE_ITERATIONS; i++) {
                v = normalised(fixed.transpose().matMul(fixed.matMul(v)));
            }
        }
        NDArray sigma = w.matMul(v).square().sum().sqrt();
        return w.div(atLeast(over(sigma, coefficient), 1));
    }

    public NDArray bias() {
        return bias.getArray();
    }

    /** {@code x W^T + b} for a weight from {@link #normalizedWeight}, {@code x} of shape {@code [batch, in]}. */
    public NDArray apply(NDArray x, NDArray normalizedWeight) {
        return Linear.linear(x, normalizedWeight, bias.getArray()).singletonOrThrow();
    }

    public int inputs() {
        return in;
    }

    public int outputs() {
        return out;
    }

    public double coefficient() {
        return coefficient;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow(), normalizedWeight(training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), out)};
    }
}
