package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.flowguard.model.FlowGuardException;

/**
 * Shared pieces of the bijectors whose Jacobian is not triangular (planar, radial, residual): the active-coordinate
 * mask they act on, and how their total log-determinant is reported per coordinate.
 *
 * <p><b>Spreading the total.</b> The {@link Bijector} contract reports {@code log |det J|} as a {@code [batch,
 * features]} array whose sum over features is the total. These families have no per-coordinate determinant, so the
 * total is spread evenly over the {@code k} active coordinates ({@code total / k} each, zero on inactive ones). The
 * sum over features is the total up to one float32 rounding per coordinate; the entries are <em>not</em>
 * conditionals {@code log p(x_i | x_<i)} and not the diagonal of {@code J}.
 */
final class FreeFormSupport {

    private final boolean[] active;
    private final int activeCount;
    private NDArray mask;
    private NDArray share;

    FreeFormSupport(boolean[] active) {
        int k = 0;
        for (boolean a : active) {
            k += a ? 1 : 0;
        }
        if (k == 0) {
            throw new FlowGuardException("expected at least one active coordinate, got none of " + active.length);
        }
        this.active = active.clone();
        this.activeCount = k;
    }

    static boolean[] allActive(int features) {
        boolean[] a = new boolean[features];
        java.util.Arrays.fill(a, true);
        return a;
    }

    void initialize(NDManager manager, DataType dataType) {
        if (mask == null) {
            float[] m = new float[active.length];
            float[] s = new float[active.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = active[i] ? 1f : 0f;
                s[i] = active[i] ? 1f / activeCount : 0f;
            }
            mask = manager.create(m, new Shape(m.length)).toType(dataType, false);
            share = manager.create(s, new Shape(s.length)).toType(dataType, false);
        }
    }

    boolean[] active() {
        return active.clone();
    }

    boolean isActive(int i) {
        return active[i];
    }

    /** Number of active coordinates {@code k}. */
    int activeCount() {
        return activeCount;
    }

    /** 0/1 mask of the active coordinates, shape {@code [features]}. */
    NDArray mask() {
        return mask;
    }

    /** {@code [batch] -> [batch, features]}: {@code total / k} on every active coordinate, 0 elsewhere. */
    NDArray spread(NDArray total) {
        return total.expandDims(1).mul(share);
    }

    /** Numerically stable {@code log(1 + exp(a))}, autograd-safe. */
    static NDArray softplus(NDArray a) {
        return Activation.relu(a).add(plus(a.abs().neg().exp(), 1).log());
    }

    /** {@code log(1 + exp(a))} in double, for values read back to the JVM. */
    static double softplus(double a) {
        return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
    }
}
