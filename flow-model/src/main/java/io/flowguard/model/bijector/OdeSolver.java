package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.FlowGuardException;

/**
 * Integrates the augmented system {@code dx/dt = v(x, t)}, {@code dl/dt = tr(dv/dx)(x, t)} for a batch from
 * {@code t0} to {@code t1} (either direction), with {@code x: [batch, d]} and {@code l: [batch]} starting at 0.
 *
 * <ul>
 *   <li>{@link Method#RK4}: classical fourth-order Runge-Kutta with a fixed number of equal steps.</li>
 *   <li>{@link Method#DOPRI5}: the adaptive Dormand-Prince 5(4) pair (Dormand and Prince 1980) with the usual step
 *       control: the error estimate of each step, scaled per coordinate by {@code atol + rtol max(|y|, |y_new|)}
 *       (the log-determinant is a coordinate too), is reduced to one number by the root mean square per event and the
 *       maximum over the batch; a step is accepted when it is at most 1, and the next step is
 *       {@code h * clamp(0.9 err^(-1/5), 0.2, 5)}. One step size for the whole batch keeps the result the same
 *       for an event whatever batch it comes in only up to the tolerance, not bit for bit.</li>
 * </ul>
 *
 * Intermediate arrays of each step are freed when the step ends ({@link NDScope}), so memory does not grow with the
 * number of steps; autograd graphs through the solve stay intact (the engine keeps what it saved).
 */
final class OdeSolver {

    /** The vector field with its divergence: returns {@code {v, tr(dv/dx)}} for a batch at time t. */
    @FunctionalInterface
    interface Field {
        NDArray[] at(NDArray x, double t);
    }

    enum Method { RK4, DOPRI5 }

    private static final int MAX_STEPS = 20_000;

    private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
    private static final double[][] A = {
        {},
        {1.0 / 5},
        {3.0 / 40, 9.0 / 40},
        {44.0 / 45, -56.0 / 15, 32.0 / 9},
        {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
        {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
        {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
    /** Fifth-order weights minus the embedded fourth-order ones (the error estimate). */
    private static final double[] E = {71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525,
        -1.0 / 40};

    private final Method method;
    private final int steps;
    private final double tolerance;

    /**
     * @param steps RK4's number of steps (>= 1); ignored by DOPRI5
     * @param tolerance DOPRI5's relative and absolute tolerance (> 0); ignored by RK4
     */
    OdeSolver(Method method, int steps, double tolerance) {
        if (steps < 1 || !(tolerance > 0)) {
            throw new FlowGuardException("expected >= 1 step and a positive tolerance, got " + steps + ", "
                    + tolerance);
        }
        this.method = method;
        this.steps = steps;
        this.tolerance = tolerance;
    }

    /** {@code {x(t1), l(t1)}} from {@code x(t0) = x}, {@code l(t0) = 0}. */
    NDArray[] solve(Field field, NDArray x, double t0, double t1) {
        return method == Method.RK4 ? rk4(field, x, t0, t1) : dopri5(field, x, t0, t1);
    }

    private NDArray[] rk4(Field field, NDArray x0, double t0, double t1) {
        double h = (t1 - t0) / steps;
        NDArray x = x0;
        NDArray l = x0.getManager().zeros(new Shape(x0.getShape().get(0)), x0.getDataType());
        for (int s = 0; s < steps; s++) {
            double t = t0 + s * h;
            NDArray nx;
            NDArray nl;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray[] k1 = field.at(x, t);
                NDArray[] k2 = field.at(x.add(k1[0].mul(h / 2)), t + h / 2);
                NDArray[] k3 = field.at(x.add(k2[0].mul(h / 2)), t + h / 2);
                NDArray[] k4 = field.at(x.add(k3[0].mul(h)), t + h);
                nx = x.add(k1[0].add(k2[0].mul(2)).add(k3[0].mul(2)).add(k4[0]).mul(h / 6));
                nl = l.add(k1[1].add(k2[1].mul(2)).add(k3[1].mul(2)).add(k4[1]).mul(h / 6));
                NDScope.unregister(nx, nl);
            }
            release(x, x0);
            l.close();
            x = nx;
            l = nl;
        }
        return new NDArray[] {x, l};
    }

    private NDArray[] dopri5(Field field, NDArray x0, double t0, double t1) {
        double span = t1 - t0;
        double direction = Math.signum(span);
        double h = direction * Math.min(Math.abs(span), 0.05);
        double t = t0;
        NDArray x = x0;
        NDArray l = x0.getManager().zeros(new Shape(x0.getShape().get(0)), x0.getDataType());
        // first same as last: the final stage of an accepted step is evaluated at its end point, (x_new, t + h), so
        // it is the first stage of the next step (6 field evaluations per step, not 7)
        NDArray[] first = null;
        int taken = 0;
        try {
            while (direction * (t1 - t) > 1e-12) {
                if (++taken > MAX_STEPS) {
                    throw new FlowGuardException("the ODE solver took more than " + MAX_STEPS + " steps between t = "
                            + t0 + " and " + t1 + " (tolerance " + tolerance + "): the velocity field is too stiff");
                }
                if (direction * (t + h - t1) > 0) {
                    h = t1 - t;
                }
                NDArray nx;
                NDArray nl;
                NDArray[] last;
                double error;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray[][] k = new NDArray[7][];
                    k[0] = first != null ? first : field.at(x, t);
                    nx = x;
                    nl = l;
                    for (int i = 1; i < 7; i++) {
                        NDArray xi = x;
                        NDArray li = l;
                        for (int j = 0; j < i; j++) {
                            if (A[i][j] != 0) {
                                xi = xi.add(k[j][0].mul(h * A[i][j]));
                                li = i == 6 ? li.add(k[j][1].mul(h * A[i][j])) : li;
                            }
                        }
                        if (i == 6) { // the fifth-order solution
                            nx = xi;
                            nl = li;
                        }
                        k[i] = field.at(xi, t + C[i] * h);
                    }
                    last = k[6];
                    NDArray ex = null;
                    NDArray el = null;
                    for (int j = 0; j < 7; j++) {
                        if (E[j] != 0) {
                            ex = ex == null ? k[j][0].mul(h * E[j]) : ex.add(k[j][0].mul(h * E[j]));
                            el = el == null ? k[j][1].mul(h * E[j]) : el.add(k[j][1].mul(h * E[j]));
                        }
                    }
                    NDArray sx = x.abs().maximum(nx.abs()).mul(tolerance).add(tolerance);
                    NDArray sl = l.abs().maximum(nl.abs()).mul(tolerance).add(tolerance);
                    long d = x.getShape().get(1);
                    NDArray squares = ex.div(sx).square().sum(new int[] {1}).add(el.div(sl).square());
                    error = Math.sqrt(squares.div(d + 1).max().getFloat());
                    NDScope.unregister(nx, nl, last[0], last[1]);
                }
                if (!Double.isFinite(error)) {
                    close(nx, nl, last[0], last[1]);
                    throw new FlowGuardException("the ODE solver met a non-finite state at t = " + t);
                }
                if (error <= 1) {
                    release(x, x0);
                    l.close();
                    if (first != null) {
                        close(first);
                    }
                    x = nx;
                    l = nl;
                    first = last;
                    t += h;
                } else {
                    close(nx, nl, last[0], last[1]);
                }
                double factor = error == 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * Math.pow(error, -0.2)));
                h *= factor;
            }
        } finally {
            if (first != null) {
                close(first);
            }
        }
        return new NDArray[] {x, l};
    }

    private static void close(NDArray... arrays) {
        for (NDArray a : arrays) {
            a.close();
        }
    }

    private static void release(NDArray x, NDArray input) {
        if (x != input) {
            x.close();
        }
    }
}
