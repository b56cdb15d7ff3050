package io.flowguard.model.score;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The quadrature against densities whose leave-one-out conditionals are known in closed form: a trivariate Gaussian
 * with a strong pair correlation (up to a near-deterministic one), values in the bulk and far in the tails.
 */
class ConditionalQuadratureTest {

    /** Zero-mean Gaussian with covariance {@code [[1, r, 0], [r, 1, 0], [0, 0, 1]]}. */
    private static ConditionalQuadrature.LogDensity gaussian(double r) {
        double det = 1 - r * r;
        return (rows, count) -> {
            double[] out = new double[count];
            for (int i = 0; i < count; i++) {
                double x = rows[3 * i];
                double y = rows[3 * i + 1];
                double w = rows[3 * i + 2];
                double q = (x * x - 2 * r * x * y + y * y) / det + w * w;
                out[i] = -0.5 * q - 1.5 * Math.log(2 * Math.PI) - 0.5 * Math.log(det);
            }
            return out;
        };
    }

    /** Exact {@code z} of feature {@code j}: {@code (x_j - E[x_j | rest]) / sd(x_j | rest)}. */
    private static double exactZ(float[] v, int j, double r) {
        double sd = Math.sqrt(1 - r * r);
        return switch (j) {
            case 0 -> (v[0] - r * v[1]) / sd;
            case 1 -> (v[1] - r * v[0]) / sd;
            default -> v[2];
        };
    }

    @ParameterizedTest(name = "correlation {0}")
    @ValueSource(doubles = {0.0, 0.9, 0.999, 0.99999})
    void zMatchesTheClosedFormConditionalInTheBulkAndFarInTheTails(double r) {
        SplittableRandom random = new SplittableRandom(3);
        int n = 400;
        float[] v = new float[3 * n];
        for (int i = 0; i < n; i++) {
            double a = random.nextGaussian();
            double b = r * a + Math.sqrt(1 - r * r) * random.nextGaussian();
            double shift = i % 4 == 0 ? 0 : (i % 4) * 4 * (random.nextBoolean() ? 1 : -1); // 0, 4, 8, 12 sd off
            v[3 * i] = (float) (a + (i % 2 == 0 ? shift * Math.sqrt(1 - r * r) : 0));
            v[3 * i + 1] = (float) b;
            v[3 * i + 2] = (float) (i % 2 == 1 ? random.nextGaussian() + shift : random.nextGaussian());
        }
        ConditionalQuadrature.Conditional[] c = ConditionalQuadrature.compute(gaussian(r), v, n, 3);
        double worst = 0;
        double worstLogDensity = 0;
        for (int i = 0; i < n; i++) {
            float[] row = {v[3 * i], v[3 * i + 1], v[3 * i + 2]};
            for (int j = 0; j < 3; j++) {
                double exact = exactZ(row, j, r);
                double got = c[3 * i + j].z();
                // float32 inputs: a z of 12 at correlation 0.99999 is known to about 1e-7 / 0.0045 in its own units
                double tolerance = 2e-3 * Math.max(1, Math.abs(exact)) + 3e-7 / Math.sqrt(1 - r * r);
                assertEquals(exact, got, tolerance, "event " + i + " feature " + j);
                worst = Math.max(worst, Math.abs(exact - got) / Math.max(1, Math.abs(exact)));
                double sd = j == 2 ? 1 : Math.sqrt(1 - r * r);
                double exactLogDensity = -0.5 * exact * exact - 0.5 * Math.log(2 * Math.PI) - Math.log(sd);
                worstLogDensity = Math.max(worstLogDensity,
                        Math.abs(exactLogDensity - c[3 * i + j].logConditionalDensity()));
            }
        }
        System.out.printf("conditional quadrature r=%s: worst relative z error %.2e, worst log-density error %.2e%n",
                r, worst, worstLogDensity);
    }

    @Test
    void tailsAreExactWhereProbabilitiesUnderflow() {
        for (double z : new double[] {0.5, 3, 7.9, 8.1, 20, 40}) {
            assertEquals(z, Normal.upperQuantileOfLogTail(Normal.logUpperTail(z)), 1e-6 * z, "z " + z);
        }
        assertEquals(Math.log(0.022750131948179195), Normal.logUpperTail(2), 1e-6);
        assertEquals(-804.6084420137538, Normal.logUpperTail(40), 1e-4);
    }
}
