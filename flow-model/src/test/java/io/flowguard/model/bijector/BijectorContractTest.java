package io.flowguard.model.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.support.Numerics;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One contract, every bijector: shapes, finiteness, round trips both ways in float32 (< 1e-4, including points beyond
 * the spline bound), and log-determinants against the autograd Jacobian (< 1e-3), per coordinate (the diagonal of the
 * triangular Jacobian) and in total (LU of the full Jacobian). Only the total is checked where the Jacobian is not
 * triangular: a mixing layer (Glow's LU linear map) reports the terms of {@code log |det W|} per coordinate, and
 * planar, radial and residual layers an even share of their total.
 */
class BijectorContractTest {

    private static final int BATCH = 64;

    /**
     * @param triangular whether the per-coordinate log-determinants are the diagonal of the Jacobian (planar, radial
     *     and residual layers report an even share of the total instead, so only their total is checked)
     */
    record Case(String name, int d, double inputScale, boolean triangular, Function<NDManager, BijectorBlock> build) {
        Case(String name, int d, double inputScale, Function<NDManager, BijectorBlock> build) {
            this(name, d, inputScale, true, build);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static <B extends BijectorBlock> B init(B b, NDManager m) {
        b.initialize(m, DataType.FLOAT32, new Shape(1, b.features()));
        return b;
    }

    private static BijectorBlock randomized(BijectorBlock b, NDManager m, double scale, long seed) {
        init(b, m);
        Numerics.randomize(b, scale, seed);
        return b;
    }

    private static RationalQuadraticSpline spline(int bins, double bound) {
        return new RationalQuadraticSpline(bins, bound, 1e-3, 1e-3, 1e-3);
    }

    static Stream<Case> cases() {
        int[] h = {16, 16};
        return Stream.of(
                new Case("MAF affine, reversed order, d=4", 4, 1.5, m -> randomized(
                        new AutoregressiveTransform(new int[] {4, 3, 2, 1}, h, new AffineMap(3), 1), m, 1.5, 11)),
                new Case("MAF affine, random order, d=5", 5, 1.5, m -> randomized(
                        new AutoregressiveTransform(new int[] {2, 5, 1, 4, 3}, h, new AffineMap(3), 2), m, 1.5, 12)),
                new Case("MAF affine, d=1", 1, 1.5, m -> randomized(
                        new AutoregressiveTransform(new int[] {1}, h, new AffineMap(3), 3), m, 1.5, 13)),
                new Case("NSF autoregressive, K=6, B=3, d=4", 4, 3.0, m -> randomized(
                        new AutoregressiveTransform(new int[] {1, 2, 3, 4}, h, spline(6, 3), 4), m, 1.0, 14)),
                new Case("NSF autoregressive, K=8, B=2, d=1", 1, 3.0, m -> randomized(
                        new AutoregressiveTransform(new int[] {1}, h, spline(8, 2), 5), m, 1.0, 15)),
                new Case("NSF coupling, K=5, B=3, d=5", 5, 3.0, m -> randomized(new CouplingTransform(
                        new boolean[] {true, false, true, false, true}, h, spline(5, 3), 6), m, 1.0, 16)),
                new Case("Standardize", 3, 5.0, m -> init(
                        new Standardize(new float[] {1f, -2f, 100f}, new float[] {0.5f, 3f, 40f}), m)),
                new Case("ArcSinh on two of three", 3, 20.0, m -> init(new ArcSinh(new float[] {1f, 0f, 1f}), m)),
                new Case("ActNorm, trained values", 4, 2.0, m -> randomized(new ActNorm(4), m, 1.0, 17)),
                new Case("BatchNorm, inference mode", 3, 2.0, m -> {
                    BatchNormTransform b = new BatchNormTransform(3);
                    randomized(b, m, 0.8, 18);
                    b.getParameters().get("runningMean").getArray().set(new ai.djl.ndarray.index.NDIndex("..."), m.create(new float[] {0.5f, -1f, 2f}));
                    b.getParameters().get("runningVar").getArray().set(new ai.djl.ndarray.index.NDIndex("..."), m.create(new float[] {0.25f, 4f, 1.5f}));
                    return b;
                }),
                new Case("PassThrough(MAF), last coordinate inactive", 4, 1.5, m -> randomized(
                        new PassThrough(new AutoregressiveTransform(new int[] {2, 1, 3, 4}, h, new AffineMap(3), 7),
                                new boolean[] {true, true, true, false}), m, 1.5, 19)),
                new Case("NICE additive coupling, d=5", 5, 2.0, m -> randomized(new CouplingTransform(
                        new boolean[] {false, true, false, true, true}, h, new AdditiveMap(), 8), m, 1.5, 20)),
                new Case("RealNVP affine coupling, d=4", 4, 2.0, m -> randomized(new CouplingTransform(
                        new boolean[] {true, false, false, true}, h, new AffineMap(3), 9), m, 1.5, 21)),
                new Case("Glow LU linear, d=4", 4, 2.0, false, m -> randomized(
                        new InvertibleLinear(new boolean[] {true, true, true, true}, 10), m, 1.0, 22)),
                new Case("Glow LU linear, second coordinate inactive, d=4", 4, 2.0, false, m -> randomized(
                        new InvertibleLinear(new boolean[] {true, false, true, true}, 11), m, 1.0, 23)),
                new Case("Glow LU linear at its rotation init, d=3", 3, 2.0, false, m -> init(
                        new InvertibleLinear(new boolean[] {true, true, true}, 12), m)),
                new Case("IAF affine, reversed order, d=4", 4, 1.5, m -> randomized(new InverseAutoregressiveTransform(
                        new int[] {4, 3, 2, 1}, h, new AffineMap(3), 13), m, 1.5, 24)),
                new Case("IAF affine, random order, d=5", 5, 1.5, m -> randomized(new InverseAutoregressiveTransform(
                        new int[] {2, 5, 1, 4, 3}, h, new AffineMap(3), 14), m, 1.5, 25)),
                new Case("IAF affine, d=1", 1, 1.5, m -> randomized(new InverseAutoregressiveTransform(
                        new int[] {1}, h, new AffineMap(3), 15), m, 1.5, 26)),
                new Case("Planar, d=3", 3, 2.0, false, m -> randomized(
                        new PlanarTransform(new boolean[] {true, true, true}, 8), m, 2.0, 20)),
                new Case("Planar, d=1", 1, 2.0, false, m -> randomized(
                        new PlanarTransform(new boolean[] {true}, 9), m, 2.0, 21)),
                new Case("Planar, last coordinate inactive, d=4", 4, 2.0, false, m -> randomized(
                        new PlanarTransform(new boolean[] {true, true, true, false}, 10), m, 2.0, 22)),
                new Case("Radial, d=3", 3, 2.0, false, m -> randomized(
                        new RadialTransform(new boolean[] {true, true, true}, 11), m, 2.0, 23)),
                new Case("Radial, d=1", 1, 2.0, false, m -> randomized(
                        new RadialTransform(new boolean[] {true}, 12), m, 2.0, 24)),
                new Case("Radial, first coordinate inactive, d=4", 4, 2.0, false, m -> randomized(
                        new RadialTransform(new boolean[] {false, true, true, true}, 13), m, 2.0, 25)),
                new Case("Residual (scoring log-det), 2x16, d=3", 3, 2.0, false, m -> refreshed(randomized(
                        new ResidualTransform(new boolean[] {true, true, true}, h, 0.9, 14), m, 1.0, 26), m)),
                new Case("Residual (scoring log-det), 1x16, d=1", 1, 2.0, false, m -> refreshed(randomized(
                        new ResidualTransform(new boolean[] {true}, new int[] {16}, 0.9, 15), m, 1.0, 27), m)),
                new Case("Residual, third coordinate inactive, d=5", 5, 2.0, false, m -> refreshed(randomized(
                        new ResidualTransform(new boolean[] {true, true, false, true, true}, h, 0.9, 16), m, 1.0,
                        28), m)),
                new Case("CNF (DOPRI5, exact trace), 2x16, d=3", 3, 2.0, false, m -> randomized(
                        new ContinuousTransform(new boolean[] {true, true, true}, h, 17), m, 0.4, 29)),
                new Case("CNF, d=1", 1, 2.0, false, m -> randomized(
                        new ContinuousTransform(new boolean[] {true}, new int[] {16}, 18), m, 0.4, 30)),
                new Case("CNF, second coordinate inactive, d=4", 4, 2.0, false, m -> randomized(
                        new ContinuousTransform(new boolean[] {true, false, true, true}, h, 19), m, 0.4, 31)),
                new Case("CNF (RK4, 64 steps), d=3", 3, 2.0, false, m -> ((ContinuousTransform) randomized(
                        new ContinuousTransform(new boolean[] {true, true, true}, h, 20), m, 0.4, 32))
                        .withSolver("RK4", 64, 1e-5)));
    }

    /** Power iterations on weights set from outside (what the trainer's data-dependent initialisation does). */
    private static BijectorBlock refreshed(BijectorBlock b, NDManager m) {
        b.initializeFromData(m.create(Numerics.gaussian(8, b.features(), 1.0, 5), new Shape(8, b.features())));
        return b;
    }

    private static float[] input(Case c, long seed) {
        float[] x = Numerics.gaussian(BATCH, c.d(), c.inputScale(), seed);
        // exact knots of the tails and far-away points must be handled too
        x[0] = 3f;
        x[1 % x.length] = -3f;
        x[2 % x.length] = 50f;
        x[3 % x.length] = -40f;
        return x;
    }

    private static NDArray broadcastLogDet(Transformed t, int n, int d) {
        return t.logAbsDet().broadcast(new Shape(n, d));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shapesAndFiniteness(Case c) {
        try (NDManager m = NDManager.newBaseManager()) {
            Bijector b = c.build().apply(m);
            NDArray x = m.create(input(c, 1), new Shape(BATCH, c.d()));
            Transformed f = b.forward(x, false);
            assertEquals(new Shape(BATCH, c.d()), f.value().getShape());
            assertEquals(new Shape(BATCH, c.d()), broadcastLogDet(f, BATCH, c.d()).getShape());
            assertTrue(Numerics.allFinite(f.value().toFloatArray()), "forward value finite");
            assertTrue(Numerics.allFinite(broadcastLogDet(f, BATCH, c.d()).toFloatArray()), "forward log-det finite");
            Transformed g = b.inverse(f.value());
            assertTrue(Numerics.allFinite(g.value().toFloatArray()), "inverse value finite");
            double moved = Numerics.maxAbsDiff(input(c, 1), f.value().toFloatArray());
            assertTrue(moved > 0.05, "a contract test on a near-identity map proves little; max |f(x) - x| = " + moved);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void roundTripsBothWays(Case c) {
        try (NDManager m = NDManager.newBaseManager()) {
            Bijector b = c.build().apply(m);
            float[] xs = input(c, 2);
            NDArray x = m.create(xs, new Shape(BATCH, c.d()));
            Transformed f = b.forward(x, false);
            Transformed back = b.inverse(f.value());
            double err = Numerics.maxAbsDiff(xs, back.value().toFloatArray());
            assertTrue(err < 1e-4, "max |x - f^-1(f(x))| = " + err);
            NDArray sum = broadcastLogDet(f, BATCH, c.d()).add(broadcastLogDet(back, BATCH, c.d()));
            double ldErr = Numerics.maxAbsDiff(sum.toFloatArray(), new float[BATCH * c.d()]);
            assertTrue(ldErr < 1e-4, "log|df| + log|df^-1| = " + ldErr);

            float[] ys = input(c, 3);
            NDArray y = m.create(ys, new Shape(BATCH, c.d()));
            double err2 = Numerics.maxAbsDiff(ys, b.forward(b.inverse(y).value(), false).value().toFloatArray());
            assertTrue(err2 < 1e-4, "max |y - f(f^-1(y))| = " + err2);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logDetMatchesAutogradJacobian(Case c) {
        try (NDManager m = NDManager.newBaseManager()) {
            Bijector b = c.build().apply(m);
            int n = 16;
            float[] xs = Numerics.gaussian(n, c.d(), c.inputScale(), 4);
            double[][][] jac = Numerics.jacobian(m, xs, n, c.d(), in -> b.forward(in, false).value());
            Transformed f = b.forward(m.create(xs, new Shape(n, c.d())), false);
            float[] perCoordinate = broadcastLogDet(f, n, c.d()).toFloatArray();
            for (int r = 0; r < n; r++) {
                double total = 0;
                for (int i = 0; i < c.d(); i++) {
                    if (c.triangular()) {
                        double diag = Math.log(Math.abs(jac[r][i][i]));
                        assertEquals(diag, perCoordinate[r * c.d() + i], 1e-3, "log|J_ii| row " + r + " coord " + i);
                    }
                    total += perCoordinate[r * c.d() + i];
                }
                assertEquals(Numerics.logAbsDet(jac[r]), total, 1e-3, "log|det J| row " + r);
            }
        }
    }
}
