package io.flowguard.model.support;

import io.flowguard.model.data.Matrix;
import java.util.SplittableRandom;

/** Distributions with exact log-densities, to measure how close a fitted flow gets (KL = NLL gap). */
public interface KnownDensity {

    int dimension();

    String name();

    double[] sample(SplittableRandom random);

    double logDensity(double[] x);

    default Matrix sample(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * dimension()];
        for (int i = 0; i < n; i++) {
            double[] x = sample(r);
            for (int j = 0; j < x.length; j++) {
                v[i * dimension() + j] = (float) x[j];
            }
        }
        return new Matrix(n, dimension(), v);
    }

    /** Mean of -log p(x) over the rows: a Monte-Carlo estimate of the entropy when the rows come from p. */
    default double meanNll(Matrix data) {
        double sum = 0;
        double[] x = new double[dimension()];
        for (int i = 0; i < data.rows(); i++) {
            for (int j = 0; j < x.length; j++) {
                x[j] = data.get(i, j);
            }
            sum -= logDensity(x);
        }
        return sum / data.rows();
    }

    /** A Gaussian mixture with full covariances given by lower Cholesky factors. */
    static KnownDensity mixture(String name, double[] weights, double[][] means, double[][][] cholesky) {
        return new KnownDensity() {
            @Override
            public int dimension() {
                return means[0].length;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public double[] sample(SplittableRandom r) {
                double u = r.nextDouble();
                int k = 0;
                while (k < weights.length - 1 && (u -= weights[k]) > 0) {
                    k++;
                }
                int d = dimension();
                double[] z = new double[d];
                for (int j = 0; j < d; j++) {
                    z[j] = r.nextGaussian();
                }
                double[] x = means[k].clone();
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j <= i; j++) {
                        x[i] += cholesky[k][i][j] * z[j];
                    }
                }
                return x;
            }

            @Override
            public double logDensity(double[] x) {
                int d = dimension();
                double max = Double.NEGATIVE_INFINITY;
                double[] terms = new double[weights.length];
                for (int k = 0; k < weights.length; k++) {
                    double[] y = new double[d];
                    double quad = 0;
                    double logDiag = 0;
                    for (int i = 0; i < d; i++) {
                        double s = x[i] - means[k][i];
                        for (int j = 0; j < i; j++) {
                            s -= cholesky[k][i][j] * y[j];
                        }
                        y[i] = s / cholesky[k][i][i];
                        quad += y[i] * y[i];
                        logDiag += Math.log(cholesky[k][i][i]);
                    }
                    terms[k] = Math.log(weights[k]) - 0.5 * quad - logDiag - 0.5 * d * Math.log(2 * Math.PI);
                    max = Math.max(max, terms[k]);
                }
                double sum = 0;
                for (double t : terms) {
                    sum += Math.exp(t - max);
                }
                return max + Math.log(sum);
            }
        };
    }

    static KnownDensity mixture2d() {
        return mixture("2-D Gaussian mixture", new double[] {0.5, 0.3, 0.2},
                new double[][] {{-1.5, 0}, {1.5, 0.5}, {0, 2.0}},
                new double[][][] {{{0.7, 0}, {0.4, 0.5}}, {{0.5, 0}, {-0.2, 0.6}}, {{0.6, 0}, {0, 0.4}}});
    }

    static KnownDensity mixture5d() {
        SplittableRandom r = new SplittableRandom(2024);
        int d = 5;
        int k = 3;
        double[][] means = new double[k][d];
        double[][][] chol = new double[k][d][d];
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < d; i++) {
                means[c][i] = 2.5 * (2 * r.nextDouble() - 1);
                for (int j = 0; j < i; j++) {
                    chol[c][i][j] = 0.3 * (2 * r.nextDouble() - 1);
                }
                chol[c][i][i] = 0.5 + 0.5 * r.nextDouble();
            }
        }
        return mixture("5-D Gaussian mixture", new double[] {0.4, 0.35, 0.25}, means, chol);
    }

    /** x1 ~ N(0, 1.2^2), x2 = 0.6 x1^2 + N(0, 0.4^2): a curved ridge with a unit-Jacobian triangular map. */
    static KnownDensity banana() {
        return new KnownDensity() {
            @Override
            public int dimension() {
                return 2;
            }

            @Override
            public String name() {
                return "banana";
            }

            @Override
            public double[] sample(SplittableRandom r) {
                double x1 = 1.2 * r.nextGaussian();
                return new double[] {x1, 0.6 * x1 * x1 + 0.4 * r.nextGaussian()};
            }

            @Override
            public double logDensity(double[] x) {
                double a = x[0] / 1.2;
                double b = (x[1] - 0.6 * x[0] * x[0]) / 0.4;
                return -0.5 * (a * a + b * b) - Math.log(1.2) - Math.log(0.4) - Math.log(2 * Math.PI);
            }
        };
    }
}
