package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.nn.SeededUniform;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A continuous normalizing flow (FFJORD, Grathwohl et al. 2019) whose velocity field is trained by conditional flow
 * matching (Lipman et al. 2023; the straight paths of rectified flow, Liu et al. 2023).
 *
 * <p>Time runs from noise ({@code t = 0}, {@code N(0, I)}) to data ({@code t = 1}) along {@code dx/dt = v(x, t)},
 * {@code v} an MLP of {@code [x, t]} with SiLU activations. The density follows the instantaneous change of
 * variables {@code d log p(x_t) / dt = -tr(dv/dx)}, so with {@code z = x(0)} reached from {@code x = x(1)}:
 *
 * <pre>
 *   log p(x) = log N(z) + log |det dz/dx|,   log |det dz/dx| = -integral_0^1 tr(dv/dx)(x_t, t) dt
 * </pre>
 *
 * The trace is exact for up to {@value #EXACT_TRACE_MAX} active features: the Jacobian of the MLP is built by the
 * chain rule ({@code W_L D_{L-1} W_{L-1} ... D_1 W_1}, {@code D_l} the SiLU derivatives; {@code O(d h^2)} per
 * evaluation). Beyond, it is Hutchinson's estimator {@code E[e^T (dv/dx) e]} with {@value #PROBES} Rademacher probes
 * (a forward-mode Jacobian-vector product each), drawn from a fixed seed per call, so scores are deterministic but
 * carry the estimator's noise: for {@code d > 16} the scored log-likelihood is an unbiased estimate, not exact.
 * Scoring and sampling solve the ODE with the adaptive Dormand-Prince pair (tolerance {@value #TOLERANCE}, see
 * {@link OdeSolver}); a fixed-step RK4 solver is available for comparison ({@link #withSolver}).
 *
 * <p>Training never solves the ODE: {@link #matchingLoss} regresses {@code v(x_t, t)} on the straight-path velocity
 * {@code x_1 - x_0} at {@code x_t = (1 - t) x_0 + t x_1}, {@code x_0 ~ N(0, I)}, {@code t ~ U(0, 1)}, {@code x_1}
 * the (preprocessed) data. Constant features are inactive: their velocity is 0 and they pass through. The total
 * log-determinant is spread evenly over the active coordinates ({@link FreeFormSupport}): per-feature entries are
 * not conditionals.
 */
public final class ContinuousTransform extends BijectorBlock {

    private static final byte VERSION = 1;
    /** Largest number of active features with an exact trace. */
    public static final int EXACT_TRACE_MAX = 16;
    static final int PROBES = 4;
    static final double TOLERANCE = 1e-5;
    private static final long PROBE_SEED = 0x6A09E667F3BCC909L;

    private final FreeFormSupport support;
    private final List<Parameter> weights = new ArrayList<>();
    private final List<Parameter> biases = new ArrayList<>();
    private final int[] widths;
    private OdeSolver solver = new OdeSolver(OdeSolver.Method.DOPRI5, 1, TOLERANCE);
    private int probes = PROBES;
    private NDArray inputMask;
    private NDArray outputMask;

    /**
     * @param active coordinates the flow moves (all for a flow without constant features)
     * @param hidden hidden widths of the velocity MLP (at least one)
     * @param seed weight initialisation
     */
    public ContinuousTransform(boolean[] active, int[] hidden, long seed) {
        super(active.length, VERSION);
        if (hidden.length == 0) {
            throw new FlowGuardException("expected at least one hidden layer, got none");
        }
        this.support = new FreeFormSupport(active);
        SplittableRandom seeds = new SplittableRandom(seed);
        widths = new int[hidden.length + 2];
        widths[0] = features + 1;
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        widths[widths.length - 1] = features;
        for (int l = 0; l + 1 < widths.length; l++) {
            boolean last = l + 2 == widths.length;
            // the last layer starts small: the initial flow is close to the identity
            double bound = (last ? 0.1 : 1.0) / Math.sqrt(widths[l]);
            weights.add(addParameter(Parameter.builder().setName("weight" + l).setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(widths[l + 1], widths[l])).optInitializer(new SeededUniform(bound,
                            seeds.nextLong())).build()));
            biases.add(addParameter(Parameter.builder().setName("bias" + l).setType(Parameter.Type.BIAS)
                    .optShape(new Shape(widths[l + 1])).optInitializer(new SeededUniform(bound, seeds.nextLong()))
                    .build()));
        }
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        support.initialize(manager, dataType);
        float[] in = new float[features + 1];
        for (int i = 0; i < features; i++) {
            in[i] = support.isActive(i) ? 1f : 0f;
        }
        in[features] = 1f;
        inputMask = manager.create(in, new Shape(1, features + 1)).toType(dataType, false);
        outputMask = support.mask().reshape(1, features);
    }

    /** Uses {@code method} from now on for scoring and sampling ({@code steps} for RK4). */
    public ContinuousTransform withSolver(String method, int steps, double tolerance) {
        solver = new OdeSolver(OdeSolver.Method.valueOf(method), steps, tolerance);
        return this;
    }

    /** Uses {@code n} Hutchinson probes per solve from now on (beyond {@value #EXACT_TRACE_MAX} features). */
    public ContinuousTransform withProbes(int n) {
        if (n < 1) {
            throw new FlowGuardException("expected at least one probe, got " + n);
        }
        probes = n;
        return this;
    }

    /** True when the trace is exact (at most {@value #EXACT_TRACE_MAX} active features). */
    public boolean exactTrace() {
        return support.activeCount() <= EXACT_TRACE_MAX;
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray[] end = solver.solve(field(x.getManager()), x, 1, 0);
        return new Transformed(end[0], support.spread(end[1]));
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        // log |dx/dz| = +integral_0^1 tr(dv/dx) dt: what integrating dl/dt = tr from 0 to 1 gives
        NDArray[] end = solver.solve(field(y.getManager()), y, 0, 1);
        return new Transformed(end[0], support.spread(end[1]));
    }

    /**
     * The conditional flow-matching loss on a batch of preprocessed data {@code x1}: the mean over events of
     * {@code |v(x_t, t) - (x1 - x0)|^2} over the active coordinates, with {@code x0} and {@code t} drawn on the JVM
     * from {@code random} (reproducible on every engine).
     */
    public NDArray matchingLoss(NDArray x1, SplittableRandom random) {
        checkInput(x1);
        int n = Math.toIntExact(x1.getShape().get(0));
        float[] noise = new float[n * features];
        float[] times = new float[n];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) gaussian(random);
        }
        for (int i = 0; i < n; i++) {
            times[i] = (float) random.nextDouble();
        }
        NDManager m = x1.getManager();
        NDArray x0 = m.create(noise, new Shape(n, features)).mul(outputMask);
        NDArray t = m.create(times, new Shape(n, 1));
        NDArray xt = x0.mul(t.neg().add(1)).add(x1.mul(t));
        NDArray target = x1.sub(x0).mul(outputMask);
        NDArray v = mlp(xt, t, null, false)[0];
        return v.sub(target).square().sum(new int[] {1}).mean();
    }

    private OdeSolver.Field field(NDManager manager) {
        boolean exact = exactTrace();
        return (x, t) -> {
            NDArray time = x.zerosLike().get(":, 0:1").add(t);
            if (exact) {
                return mlp(x, time, null, true);
            }
            // the same probes at every step of a solve (as FFJORD): a deterministic, if noisy, score, and a smooth
            // integrand for the adaptive step control
            SplittableRandom random = new SplittableRandom(PROBE_SEED);
            int n = Math.toIntExact(x.getShape().get(0));
            NDArray v = null;
            NDArray trace = null;
            for (int p = 0; p < probes; p++) {
                float[] e = new float[n * features];
                for (int i = 0; i < e.length; i++) {
                    e[i] = random.nextBoolean() ? 1f : -1f;
                }
                NDArray probe = manager.create(e, new Shape(n, features)).mul(outputMask);
                NDArray[] out = mlp(x, time, probe, false);
                v = out[0];
                trace = trace == null ? out[1] : trace.add(out[1]);
            }
            return new NDArray[] {v, trace.div(probes)};
        };
    }

    /**
     * {@code v(x, t)}, and: with {@code exact}, {@code tr(dv/dx)}; with a {@code probe} e, {@code e^T (dv/dx) e};
     * else no trace.
     */
    private NDArray[] mlp(NDArray x, NDArray t, NDArray probe, boolean exact) {
        NDArray h = NDArrays.concat(new ai.djl.ndarray.NDList(x, t), 1).mul(inputMask);
        NDArray jacobian = null; // [batch, width, d]
        NDArray tangent = null; // [batch, width]
        int last = weights.size() - 1;
        for (int l = 0; l < last; l++) {
            NDArray w = weights.get(l).getArray();
            NDArray a = h.matMul(w.transpose()).add(biases.get(l).getArray());
            NDArray s = Activation.sigmoid(a);
            NDArray slope = s.add(a.mul(s).mul(s.neg().add(1))); // SiLU'(a) = s + a s (1 - s)
            h = a.mul(s);
            if (exact) {
                NDArray wx = l == 0 ? w.get(":, 0:" + features).mul(outputMask) : w;
                NDArray propagated = l == 0 ? wx.expandDims(0) : wx.matMul(jacobian);
                jacobian = slope.expandDims(2).mul(propagated);
            }
            if (probe != null) {
                NDArray wx = l == 0 ? w.get(":, 0:" + features) : w;
                tangent = slope.mul((l == 0 ? probe : tangent).matMul(wx.transpose()));
            }
        }
        NDArray w = weights.get(last).getArray();
        NDArray v = h.matMul(w.transpose()).add(biases.get(last).getArray()).mul(outputMask);
        if (exact) {
            NDArray trace = jacobian.mul(w.transpose().mul(outputMask).expandDims(0)).sum(new int[] {1, 2});
            return new NDArray[] {v, trace};
        }
        if (probe != null) {
            NDArray jv = tangent.matMul(w.transpose()).mul(outputMask);
            return new NDArray[] {v, jv.mul(probe).sum(new int[] {1})};
        }
        return new NDArray[] {v, null};
    }

    private static double gaussian(SplittableRandom random) {
        double u = random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    @Override
    public long flopsPerEvent() {
        long mlp = 0;
        for (int l = 0; l + 1 < widths.length; l++) {
            mlp += 2L * widths[l] * widths[l + 1];
        }
        // about 6 evaluations per accepted DOPRI5 step and some tens of steps; the trace costs d times a pass
        return mlp * 6 * 20 * (exactTrace() ? support.activeCount() : PROBES);
    }
}
