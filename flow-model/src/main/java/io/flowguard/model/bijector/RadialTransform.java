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
 * Radial flow layer (Rezende and Mohamed, "Variational Inference with Normalizing Flows", ICML 2015), used in the
 * density direction (data to latent), acting on the {@code k} active coordinates:
 *
 * <pre>
 *   z = x + beta h(r) (x - x0),   r = |x - x0|,   h(r) = 1 / (alpha + r)
 *   log |det dz/dx| = (k - 1) log(1 + beta h(r)) + log(1 + beta h(r) + beta h'(r) r)
 *                   = (k - 1) log((alpha + beta + r) / (alpha + r)) + log(((alpha + r)^2 + alpha beta) / (alpha + r)^2)
 *   alpha = softplus(a) + 1e-4 > 0,   beta = -alpha + softplus(c) + 1e-4 > -alpha
 * </pre>
 *
 * (the determinant of {@code I + beta h I + beta h' r e e^T}, {@code e} the unit radial direction, by the matrix
 * determinant lemma). {@code beta > -alpha} makes the radius map {@code r -> r (1 + beta / (alpha + r))} strictly
 * increasing, so the layer is invertible by construction.
 *
 * <p>Inverse, exact: the radius {@code s = |y - x0|} of the image satisfies {@code s (alpha + r) = r (alpha + r +
 * beta)}, the quadratic {@code r^2 + (alpha + beta - s) r - alpha s = 0} whose roots have product {@code -alpha s <=
 * 0}; its non-negative root (computed without cancellation) gives {@code x = y - beta (y - x0) / (alpha + beta + r)}.
 *
 * <p>Parameters: centre {@code x0} ({@code [features]}, masked to the active coordinates), {@code a} and {@code c}
 * ({@code [1]}). Shapes {@code [batch, features]}; the log-determinant is spread evenly over the active coordinates
 * (see {@link FreeFormSupport}): per-feature entries are not conditionals.
 */
public final class RadialTransform extends BijectorBlock {

    private static final byte VERSION = 1;
    private static final double MARGIN = 1e-4;
    private static final double TINY = 1e-12;
    /** {@code softplus^-1(1)}: alpha starts at 1 and beta near 0 (a near-identity start). */
    private static final float SOFTPLUS_INV_ONE = (float) Math.log(Math.E - 1);

    private final FreeFormSupport support;
    private final Parameter centre;
    private final Parameter alphaRaw;
    private final Parameter betaRaw;

    /**
     * @param active coordinates the layer may move (all for a flow without constant features)
     * @param seed initial centre {@code ~ U(+-1)} (standardised units)
     */
    public RadialTransform(boolean[] active, long seed) {
        super(active.length, VERSION);
        this.support = new FreeFormSupport(active);
        this.centre = addParameter(Parameter.builder().setName("centre").setType(Parameter.Type.OTHER)
                .optShape(new Shape(features)).optInitializer(new SeededUniform(1.0, seed)).build());
        this.alphaRaw = addParameter(Parameter.builder().setName("alphaRaw").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(FixedValues.filled(SOFTPLUS_INV_ONE)).build());
        this.betaRaw = addParameter(Parameter.builder().setName("betaRaw").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).optInitializer(FixedValues.filled(SOFTPLUS_INV_ONE)).build());
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        support.initialize(manager, dataType);
    }

    /** {@code [alpha, alpha + beta]}, both {@code [1]} and positive. */
    private NDArray[] coefficients() {
        NDArray alpha = plus(FreeFormSupport.softplus(alphaRaw.getArray()), MARGIN);
        NDArray alphaPlusBeta = plus(FreeFormSupport.softplus(betaRaw.getArray()), MARGIN);
        return new NDArray[] {alpha, alphaPlusBeta};
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray[] co = coefficients();
        NDArray alpha = co[0];
        NDArray beta = co[1].sub(alpha);
        NDArray diff = x.sub(centre.getArray()).mul(support.mask());
        NDArray r = plus(diff.square().sum(new int[] {1}), TINY).sqrt();
        NDArray ar = r.add(alpha);
        NDArray z = x.add(diff.mul(beta.div(ar).expandDims(1)));
        NDArray logAr = ar.log();
        NDArray radial = ar.square().add(alpha.mul(beta)).log().sub(logAr).sub(logAr);
        NDArray total = radial;
        if (support.activeCount() > 1) {
            NDArray tangential = r.add(co[1]).log().sub(logAr);
            total = total.add(times(tangential, support.activeCount() - 1));
        }
        return new Transformed(z, support.spread(total));
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        double alpha = FreeFormSupport.softplus(alphaRaw.getArray().toFloatArray()[0]) + MARGIN;
        double alphaPlusBeta = FreeFormSupport.softplus(betaRaw.getArray().toFloatArray()[0]) + MARGIN;
        double beta = alphaPlusBeta - alpha;
        float[] x0 = centre.getArray().toFloatArray();
        float[] v = y.toFloatArray();
        int rows = v.length / features;
        float[] x = v.clone();
        double[] diff = new double[features];
        for (int row = 0; row < rows; row++) {
            double s2 = 0;
            for (int j = 0; j < features; j++) {
                diff[j] = support.isActive(j) ? (double) v[row * features + j] - x0[j] : 0;
                s2 += diff[j] * diff[j];
            }
            double r = radius(Math.sqrt(s2), alpha, alphaPlusBeta);
            double shrink = beta / (alphaPlusBeta + r);
            for (int j = 0; j < features; j++) {
                x[row * features + j] = (float) (v[row * features + j] - shrink * diff[j]);
            }
        }
        NDArray out = y.getManager().create(x, y.getShape());
        return new Transformed(out, forward(out, false).logAbsDet().neg());
    }

    /** The non-negative root of {@code r^2 + (alpha + beta - s) r - alpha s = 0}. */
    static double radius(double s, double alpha, double alphaPlusBeta) {
        double b = alphaPlusBeta - s;
        double disc = Math.sqrt(b * b + 4 * alpha * s);
        return b >= 0 ? 2 * alpha * s / (b + disc) : 0.5 * (disc - b);
    }

    @Override
    public long flopsPerEvent() {
        return 6L * features;
    }
}
