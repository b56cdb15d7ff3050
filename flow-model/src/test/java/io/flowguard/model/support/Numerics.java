package io.flowguard.model.support;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.util.SplittableRandom;
import java.util.function.Function;

/** Test helpers: autograd Jacobians, determinants, random data and parameters. */
public final class Numerics {

    private Numerics() {}

    /** {@code n x d} standard normal values times {@code scale}, seeded. */
    public static float[] gaussian(int n, int d, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    /**
     * Jacobian of a row-wise map {@code f: [n, d] -> [n, d]} at {@code x} by autograd: {@code result[b][i][j] =
     * d f(x)_{b,i} / d x_{b,j}}. Rows must be independent (no batch statistics).
     */
    public static double[][][] jacobian(NDManager manager, float[] x, int n, int d,
            Function<NDArray, NDArray> f) {
        double[][][] jac = new double[n][d][d];
        for (int i = 0; i < d; i++) {
            NDArray input = manager.create(x, new Shape(n, d));
            input.setRequiresGradient(true);
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDArray out = f.apply(input);
                gc.backward(out.get(":, " + i).sum());
            }
            float[] g = input.getGradient().toFloatArray();
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < d; j++) {
                    jac[b][i][j] = g[b * d + j];
                }
            }
            input.close();
        }
        return jac;
    }

    /** log |det A| by LU with partial pivoting (double precision). */
    public static double logAbsDet(double[][] matrix) {
        int d = matrix.length;
        double[][] a = new double[d][];
        for (int i = 0; i < d; i++) {
            a[i] = matrix[i].clone();
        }
        double logDet = 0;
        for (int k = 0; k < d; k++) {
            int p = k;
            for (int i = k + 1; i < d; i++) {
                if (Math.abs(a[i][k]) > Math.abs(a[p][k])) {
                    p = i;
                }
            }
            double[] t = a[k];
            a[k] = a[p];
            a[p] = t;
            if (a[k][k] == 0) {
                return Double.NEGATIVE_INFINITY;
            }
            logDet += Math.log(Math.abs(a[k][k]));
            for (int i = k + 1; i < d; i++) {
                double factor = a[i][k] / a[k][k];
                for (int j = k; j < d; j++) {
                    a[i][j] -= factor * a[k][j];
                }
            }
        }
        return logDet;
    }

    /**
     * Overwrites every trainable parameter of {@code block} with seeded uniform values: weights {@code [out, in]} in
     * {@code +-scale / sqrt(in)} (so that activations stay O(scale) as in a trained network), vectors in
     * {@code +-scale / 2}.
     */
    public static void randomize(Block block, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!p.getValue().requiresGradient()) {
                continue;
            }
            NDArray a = p.getValue().getArray();
            double bound = a.getShape().dimension() == 2 ? scale / Math.sqrt(a.getShape().get(1)) : scale / 2;
            float[] v = new float[Math.toIntExact(a.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((2 * r.nextDouble() - 1) * bound);
            }
            io.flowguard.model.nn.Tensors.assign(a, v);
        }
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }

    public static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }
}
