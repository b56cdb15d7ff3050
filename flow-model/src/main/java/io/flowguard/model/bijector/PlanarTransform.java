package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.flowguard.model.nn.FixedValues;
import io.flowguard.model.nn.SeededUniform;

/**
 * Planar flow layer (Rezende and Mohamed, "Variational Inference with Normalizing Flows", ICML 2015), used in the
 * density direction (data to latent):
 *
 * <pre>
 *   z = x + u^ tanh(w^T x + b)
 *   log |det dz/dx| = log(1 + w^T u^ tanh'(w^T x + b))        (matrix determinant lemma: det(I + a c^T) = 1 + c^T a)
 *   u^ = u + (m(w^T u) - w^T u) w / |w|^2,   m(s) = -1 + softplus(s + log(e - 1)) + 1e-4
 * </pre>
 *
 * (Rezende and Mohamed's {@code m(s) = -1 + softplus(s)}, shifted so that {@code m(0) = 0}: a small {@code u} then
 * gives a small {@code u^} and a fresh layer starts near the identity.)
 *
 * The reparameterisation makes {@code w^T u^ = m(w^T u) > -1} for any {@code u, w}, so with {@code tanh' in (0, 1]}
 * the determinant is at least {@code min(1, 1 + w^T u^) > 0}: invertible by construction. Parameters {@code u, w}
 * ({@code [features]}) and {@code b} ({@code [1]}); only active coordinates are moved (inactive entries of
 * {@code u, w} are masked to zero).
 *
 * <p>Inverse (sampling): with {@code a = w^T x + b}, projecting {@code y = x + u^ tanh(a)} on {@code w} gives the
 * scalar equation {@code a + (w^T u^) tanh(a) = w^T y + b}, strictly increasing in {@code a} with its root within
 * {@code |w^T u^|} of the right-hand side; it is solved per row by bracketed Newton in double precision, then
 * {@code x = y - u^ tanh(a)}.
 *
 * <p>Shapes {@code [batch, features]}; the log-determinant (one number per row) is spread evenly over the active
 * coordinates (see {@link FreeFormSupport}): per-feature entries are not conditionals.
 */
public final class PlanarTransform extends BijectorBlock {

    private static final byte VERSION = 1;
    private static final double MARGIN = 1e-4;
    private static final double TINY = 1e-12;
    private static final double SOFTPLUS_INV_ONE = Math.log(Math.E - 1);

    private final FreeFormSupport support;
    private final Parameter u;
    private final Parameter w;
    private final Parameter bias;

    /**
     * @param active coordinates the layer may move (all for a flow without constant features)
     * @param seed initial {@code w ~ U(+-1/sqrt(k))}, {@code u ~ U(+-0.1/sqrt(k))}, {@code b = 0}
     */
    public PlanarTransform(boolean[] active, long seed) {
        super(active.length, VERSION);
        this.support = new FreeFormSupport(active);
        double bound = 1.0 / Math.sqrt(support.activeCount());
        this.u = addParameter(Parameter.builder().setName("u").setType(Parameter.Type.OTHER)
                .optShape(new Shape(features)).optInitializer(new SeededUniform(0.1 * bound, seed)).build());
        this.w = addParameter(Parameter.builder().setName("w").setType(Parameter.Type.OTHER)
                .optShape(new Shape(features)).optInitializer(new SeededUniform(bound, seed ^ 0x5DEECE66DL)).build());
        this.bias = addParameter(Parameter.builder().setName("bias").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(FixedValues.filled(0f)).build());
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        support.initialize(manager, dataType);
    }

    /** {@code [w, u^]}, both {@code [features]} and masked to the active coordinates. */
    private NDArray[] directions() {
        NDArray ww = w.getArray().mul(support.mask());
        NDArray uu = u.getArray().mul(support.mask());
        NDArray wu = ww.mul(uu).sum();
        NDArray m = plus(FreeFormSupport.softplus(plus(wu, SOFTPLUS_INV_ONE)), MARGIN - 1);
        NDArray norm2 = plus(ww.square().sum(), TINY);
        NDArray uHat = uu.add(ww.mul(m.sub(wu).div(norm2)));
        return new NDArray[] {ww, uHat};
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray[] dir = directions();
        NDArray h = x.mul(dir[0]).sum(new int[] {1}).add(bias.getArray()).tanh();
        NDArray z = x.add(h.expandDims(1).mul(dir[1]));
        NDArray c = dir[0].mul(dir[1]).sum();
        NDArray det = plus(minusFrom(1, h.square()).mul(c), 1);
        return new Transformed(z, support.spread(det.log()));
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        NDArray[] dir = directions();
        float[] ww = dir[0].toFloatArray();
        float[] uHat = dir[1].toFloatArray();
        double b = bias.getArray().toFloatArray()[0];
        double c = 0;
        for (int j = 0; j < features; j++) {
            c += (double) ww[j] * uHat[j];
        }
        float[] v = y.toFloatArray();
        int rows = v.length / features;
        float[] x = new float[v.length];
        for (int r = 0; r < rows; r++) {
            double t = b;
            for (int j = 0; j < features; j++) {
                t += (double) ww[j] * v[r * features + j];
            }
            double h = Math.tanh(solve(t, c));
            for (int j = 0; j < features; j++) {
                x[r * features + j] = (float) (v[r * features + j] - uHat[j] * h);
            }
        }
        NDArray out = y.getManager().create(x, y.getShape());
        return new Transformed(out, forward(out, false).logAbsDet().neg());
    }

    /** The root of {@code a + c tanh(a) = t} ({@code c > -1}): bracketed Newton, bisection when a step leaves. */
    static double solve(double t, double c) {
        double lo = t - Math.abs(c);
        double hi = t + Math.abs(c);
        double a = t;
        for (int i = 0; i < 200; i++) {
            double th = Math.tanh(a);
            double f = a + c * th - t;
            if (f == 0) {
                return a;
            }
            if (f > 0) {
                hi = a;
            } else {
                lo = a;
            }
            double next = a - f / (1 + c * (1 - th * th));
            if (!(next > lo && next < hi)) {
                next = 0.5 * (lo + hi);
            }
            if (Math.abs(next - a) <= 1e-15 * (1 + Math.abs(a))) {
                return next;
            }
            a = next;
        }
        return a;
    }

    @Override
    public long flopsPerEvent() {
        return 4L * features;
    }
}
