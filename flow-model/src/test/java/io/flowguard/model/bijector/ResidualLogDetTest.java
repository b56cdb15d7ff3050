package io.flowguard.model.bijector;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.flowguard.model.support.Numerics;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * How exact the residual flow's log-determinants are, measured on small {@code d} against a double-precision LU of
 * the autograd Jacobian: the scoring log-det (LU of {@code I + J_g}), the truncated power series as a function of
 * its length, the Russian-roulette training estimator (unbiased: its mean over many draws), and the Lipschitz bound
 * (exact spectral norms of the normalised weights).
 */
class ResidualLogDetTest {

    private static final int ROWS = 16;
    private static final int[] HIDDEN = {32, 32};

    private static ResidualTransform block(int d, NDManager m, long seed) {
        boolean[] active = new boolean[d];
        java.util.Arrays.fill(active, true);
        ResidualTransform b = new ResidualTransform(active, HIDDEN, 0.9, seed);
        b.initialize(m, DataType.FLOAT32, new Shape(1, d));
        Numerics.randomize(b, 1.5, seed + 1);
        b.initializeFromData(m.create(Numerics.gaussian(8, d, 1.0, 3), new Shape(8, d)));
        return b;
    }

    /** {@code J_g = J_f - I} per row from autograd, and the double-precision {@code log det(I + J_g)}. */
    private static double[][][] residualJacobians(ResidualTransform b, NDManager m, float[] xs, int d) {
        double[][][] jac = Numerics.jacobian(m, xs, ROWS, d, in -> b.forward(in, false).value());
        for (double[][] j : jac) {
            for (int i = 0; i < d; i++) {
                j[i][i] -= 1;
            }
        }
        return jac;
    }

    private static double exactDouble(double[][] jg) {
        int d = jg.length;
        double[][] a = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                a[i][j] = jg[i][j] + (i == j ? 1 : 0);
            }
        }
        return Numerics.logAbsDet(a);
    }

    private static NDArray asArray(NDManager m, double[][][] jac, int d) {
        float[] v = new float[ROWS * d * d];
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    v[(r * d + i) * d + j] = (float) jac[r][i][j];
                }
            }
        }
        return m.create(v, new Shape(ROWS, d, d));
    }

    @Test
    void scoringLogDetIsTheExactLogDeterminant() {
        System.out.println("resflow scoring log-det vs double-precision LU of the autograd Jacobian:");
        for (int d : new int[] {1, 2, 3, 5, 8}) {
            try (NDManager m = NDManager.newBaseManager()) {
                ResidualTransform b = block(d, m, 40 + d);
                float[] xs = Numerics.gaussian(ROWS, d, 2.0, 7);
                double[][][] jg = residualJacobians(b, m, xs, d);
                float[] scored = b.forward(m.create(xs, new Shape(ROWS, d)), false).totalLogAbsDet().toFloatArray();
                double worst = 0;
                double largest = 0;
                for (int r = 0; r < ROWS; r++) {
                    double exact = exactDouble(jg[r]);
                    worst = Math.max(worst, Math.abs(exact - scored[r]));
                    largest = Math.max(largest, Math.abs(exact));
                }
                System.out.printf(Locale.ROOT, "  d=%d  max |log det| %.4f  max |scored - exact| %.2e nats%n", d,
                        largest, worst);
                assertTrue(worst < 1e-4, "d=" + d + ": " + worst);
            }
        }
    }

    @Test
    void truncatedSeriesConvergesToTheExactLogDeterminant() {
        int d = 5;
        try (NDManager m = NDManager.newBaseManager()) {
            ResidualTransform b = block(d, m, 50);
            float[] xs = Numerics.gaussian(ROWS, d, 2.0, 8);
            double[][][] jg = residualJacobians(b, m, xs, d);
            NDArray jac = asArray(m, jg, d);
            float[] lu = ResidualLogDet.exact(jac).toFloatArray();
            System.out.println("resflow truncated power series vs exact log-det, d=5 (bound d L^(K+1) / ((K+1)(1-L)),"
                    + " L = 0.9):");
            double last = Double.NaN;
            for (int terms : new int[] {1, 2, 4, 8, 16, 32, 64, 128}) {
                float[] series = ResidualLogDet.series(jac, terms).toFloatArray();
                double worst = 0;
                for (int r = 0; r < ROWS; r++) {
                    worst = Math.max(worst, Math.abs(series[r] - exactDouble(jg[r])));
                }
                double bound = d * Math.pow(0.9, terms + 1) / ((terms + 1) * 0.1);
                System.out.printf(Locale.ROOT, "  K=%3d  max |series - exact| %.2e  bound %.2e%n", terms, worst, bound);
                assertTrue(worst <= bound + 1e-4, "K=" + terms + ": " + worst + " above the bound " + bound);
                last = worst;
            }
            for (int r = 0; r < ROWS; r++) {
                assertEquals(exactDouble(jg[r]), lu[r], 1e-4, "LU row " + r);
            }
            assertTrue(last < 1e-4, "128 terms: " + last);
        }
    }

    @Test
    void russianRouletteEstimatorIsUnbiased() {
        int d = 3;
        int draws = 4000;
        try (NDManager m = NDManager.newBaseManager()) {
            ResidualTransform b = block(d, m, 60);
            float[] xs = Numerics.gaussian(ROWS, d, 2.0, 9);
            double[][][] jg = residualJacobians(b, m, xs, d);
            NDArray jac = asArray(m, jg, d);
            double[] sum = new double[ROWS];
            double[] sumSq = new double[ROWS];
            SplittableRandom random = new SplittableRandom(10);
            for (int i = 0; i < draws; i++) {
                float[] e = ResidualLogDet.roulette(jac, random).toFloatArray();
                for (int r = 0; r < ROWS; r++) {
                    sum[r] += e[r];
                    sumSq[r] += (double) e[r] * e[r];
                }
            }
            double worstZ = 0;
            double worstSd = 0;
            for (int r = 0; r < ROWS; r++) {
                double mean = sum[r] / draws;
                double sd = Math.sqrt(Math.max(0, sumSq[r] / draws - mean * mean));
                double se = sd / Math.sqrt(draws);
                double exact = exactDouble(jg[r]);
                worstZ = Math.max(worstZ, Math.abs(mean - exact) / (se + 1e-6));
                worstSd = Math.max(worstSd, sd);
                assertEquals(exact, mean, 4 * se + 2e-4, "row " + r + " (sd of one draw " + sd + ")");
            }
            System.out.printf(Locale.ROOT, "resflow Russian roulette, d=3, %d draws: max |mean - exact| / s.e. %.2f, "
                    + "largest sd of one draw %.4f nats%n", draws, worstZ, worstSd);
        }
    }

    @Test
    void normalisedWeightsKeepTheLipschitzBound() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResidualTransform b = block(4, m, 70);
            double product = 1;
            for (NDArray w : b.normalizedWeights()) {
                double sigma = spectralNorm(w.toFloatArray(), (int) w.getShape().get(0), (int) w.getShape().get(1));
                product *= sigma;
            }
            System.out.printf(Locale.ROOT, "resflow product of exact spectral norms %.5f (bound %.2f)%n", product,
                    b.lipschitzBound());
            assertTrue(product <= b.lipschitzBound() * (1 + 1e-3), "Lip bound " + product);
        }
    }

    @Test
    void trainingModeGivesFiniteGradients() {
        int d = 3;
        try (NDManager m = NDManager.newBaseManager()) {
            ResidualTransform b = block(d, m, 80);
            NDArray x = m.create(Numerics.gaussian(64, d, 2.0, 11), new Shape(64, d));
            try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                NDArray loss = b.forward(x, true).totalLogAbsDet().mean().neg();
                gc.backward(loss);
            }
            for (var p : b.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    float[] g = p.getValue().getArray().getGradient().toFloatArray();
                    assertTrue(Numerics.allFinite(g), p.getKey());
                }
            }
        }
    }

    /** Exact largest singular value of a row-major {@code [rows, cols]} matrix (power iteration on A^T A, double). */
    static double spectralNorm(float[] a, int rows, int cols) {
        double[] v = new double[cols];
        java.util.Arrays.fill(v, 1.0 / Math.sqrt(cols));
        double sigma = 0;
        for (int it = 0; it < 20000; it++) {
            double[] av = new double[rows];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    av[i] += a[i * cols + j] * v[j];
                }
            }
            double[] next = new double[cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    next[j] += a[i * cols + j] * av[i];
                }
            }
            double norm = 0;
            for (double x : next) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            double s = Math.sqrt(norm);
            for (int j = 0; j < cols; j++) {
                v[j] = next[j] / norm;
            }
            if (Math.abs(s - sigma) < 1e-12) {
                return s;
            }
            sigma = s;
        }
        return sigma;
    }
}
