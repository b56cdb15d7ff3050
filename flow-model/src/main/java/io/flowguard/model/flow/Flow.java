package io.flowguard.model.flow;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.bijector.Bijector;
import io.flowguard.model.bijector.BijectorBlock;
import io.flowguard.model.bijector.ContinuousTransform;
import io.flowguard.model.bijector.Transformed;
import io.flowguard.model.data.Matrix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A normalizing flow: bijectors {@code f_1 ... f_L} applied in order (data to latent) and a base density,
 * {@code log p(x) = log p_Z(f(x)) + sum_l log |det J_{f_l}|} (Rezende and Mohamed 2015; Papamakarios et al.,
 * "Normalizing Flows for Probabilistic Modeling and Inference", JMLR 2021). The first bijectors are the fitted
 * preprocessing, so densities are in the units of the raw features.
 *
 * <p>Thread-safety: after construction and training the flow is read-only and may be evaluated from many threads in
 * inference mode. All methods that take NDArrays leave their results on the input's manager; callers close
 * per-batch managers or {@link NDScope}s.
 */
public final class Flow extends AbstractBlock {

    private static final byte VERSION = 1;
    private static final int SAMPLE_CHUNK = 4096;

    private final List<BijectorBlock> bijectors = new ArrayList<>();
    private final BaseDistribution base;
    private final FlowSpec spec;
    private final FeatureSchema schema;
    private NDManager manager;

    Flow(List<BijectorBlock> layers, BaseDistribution base, FlowSpec spec, FeatureSchema schema) {
        super(VERSION);
        if (layers.isEmpty()) {
            throw new FlowGuardException("expected at least one bijector in a flow, got none");
        }
        for (int i = 0; i < layers.size(); i++) {
            BijectorBlock b = layers.get(i);
            if (b.features() != schema.size()) {
                throw new FlowGuardException("expected every bijector to act on " + schema.size()
                        + " features, got " + b.features() + " for bijector " + i);
            }
            bijectors.add(addChildBlock(b.getClass().getSimpleName(), b));
        }
        this.base = base;
        this.spec = spec;
        this.schema = schema;
    }

    public int features() {
        return schema.size();
    }

    public FlowSpec spec() {
        return spec;
    }

    public FeatureSchema schema() {
        return schema;
    }

    public BaseDistribution base() {
        return base;
    }

    public List<Bijector> bijectors() {
        return Collections.unmodifiableList(bijectors);
    }

    /** The manager that owns the parameters (set by {@link #initialize}). */
    public NDManager manager() {
        if (manager == null) {
            throw new FlowGuardException("expected an initialised flow, got one that was never initialised");
        }
        return manager;
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        this.manager = manager;
    }

    /** Data to latent with per-feature contributions; see {@link FlowOutput}. */
    public FlowOutput evaluate(NDArray x, boolean training) {
        NDArray h = x;
        NDArray logDet = null;
        for (BijectorBlock b : bijectors) {
            Transformed t = b.forward(h, training);
            h = t.value();
            logDet = logDet == null ? t.logAbsDet() : logDet.add(t.logAbsDet());
        }
        return new FlowOutput(h, base.logDensity(h).add(logDet));
    }

    /** {@code log p(x)} in nats, shape {@code [batch]}, inference mode. */
    public NDArray logProb(NDArray x) {
        return evaluate(x, false).logProb();
    }

    /** {@code z = f(x)}, inference mode. */
    public NDArray toLatent(NDArray x) {
        return evaluate(x, false).latent();
    }

    /** Latent to data: {@code (f^-1(z), log |det d f^-1 / dz| per coordinate)}. */
    public Transformed inverse(NDArray z) {
        NDArray h = z;
        NDArray logDet = null;
        for (int i = bijectors.size() - 1; i >= 0; i--) {
            Transformed t = bijectors.get(i).inverse(h);
            h = t.value();
            logDet = logDet == null ? t.logAbsDet() : logDet.add(t.logAbsDet());
        }
        return new Transformed(h, logDet);
    }

    /** The continuous-time layer this flow ends with (a CNF, trained by flow matching), or null. */
    public ContinuousTransform continuous() {
        BijectorBlock last = bijectors.get(bijectors.size() - 1);
        return last instanceof ContinuousTransform c ? c : null;
    }

    /** {@code x} through every bijector but the last, in inference mode: what the last layer sees. */
    public NDArray intoLastLayer(NDArray x) {
        NDArray h = x;
        for (int i = 0; i + 1 < bijectors.size(); i++) {
            h = bijectors.get(i).forward(h, false).value();
        }
        return h;
    }

    /** Runs each bijector's data-dependent initialisation on a representative batch (ActNorm). */
    public void initializeFromData(NDArray x) {
        NDArray h = x;
        for (BijectorBlock b : bijectors) {
            h = b.initializeFromData(h).value();
        }
    }

    /**
     * Draws {@code n} events from the model together with their log-density computed along the sampling path,
     * {@code log p(x) = log p_Z(z) - log |det d f^-1/dz|}.
     */
    public Sample sample(int n, long seed) {
        return sample(n, new SplittableRandom(seed));
    }

    /**
     * As {@link #sample(int, long)}, drawing from {@code random}: successive calls continue one stream, so samples
     * drawn in chunks are the rows of one large sample with the generator's seed.
     */
    public Sample sample(int n, SplittableRandom random) {
        if (n <= 0) {
            throw new FlowGuardException("expected a positive sample size, got " + n);
        }
        int d = features();
        float[] values = new float[Math.multiplyExact(n, d)];
        float[] logProb = new float[n];
        for (int from = 0; from < n; from += SAMPLE_CHUNK) {
            int rows = Math.min(SAMPLE_CHUNK, n - from);
            try (NDManager chunk = manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray z = chunk.create(base.sample(rows, d, random), new Shape(rows, d));
                Transformed x = inverse(z);
                NDArray lp = base.logDensity(z).sub(x.logAbsDet()).sum(new int[] {1});
                System.arraycopy(x.value().toFloatArray(), 0, values, from * d, rows * d);
                System.arraycopy(lp.toFloatArray(), 0, logProb, from, rows);
            }
        }
        return new Sample(new Matrix(n, d, values), logProb);
    }

    /** Parameters updated by the optimiser (buffers such as standardisation constants excluded). */
    public List<Parameter> trainableParameters() {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : getParameters().values()) {
            if (p.requiresGradient()) {
                out.add(p);
            }
        }
        return out;
    }

    /** Multiply-add FLOPs per event of one density evaluation (the conditioner networks). */
    public long flopsPerEvent() {
        return bijectors.stream().mapToLong(Bijector::flopsPerEvent).sum();
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
        FlowOutput out = evaluate(inputs.singletonOrThrow(), training);
        return new NDList(out.latent(), out.logProb());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0], new Shape(inputShapes[0].get(0))};
    }
}
