package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.nn.FixedValues;
import java.util.SplittableRandom;

/**
 * Invertible linear layer in LU form, the tabular counterpart of Glow's invertible 1x1 convolution (Kingma and
 * Dhariwal, "Glow: Generative Flow with Invertible 1x1 Convolutions", NeurIPS 2018, section 3.2):
 *
 * <pre>
 *   z = W x,   W = P L (U + diag(sign * exp(s))),   log |det dz/dx| = sum_i s_i
 * </pre>
 *
 * with {@code P} a fixed permutation, {@code L} unit lower triangular, {@code U} strictly upper triangular, the
 * signs fixed and {@code L, U, s} trained. {@code W} starts as a seeded random rotation (its LU factors), as in the
 * paper. The inverse {@code W^-1 = (U + diag)^-1 L^-1 P^T} is formed in double precision by triangular substitution
 * (inference only, {@code O(d^3)} per call).
 *
 * <p>A mixing layer: unlike every other FlowGuard bijector its Jacobian {@code W} is full, so the per-coordinate
 * log-determinants it reports are the terms {@code s_i} of the diagonal of {@code U}. They sum to
 * {@code log |det W|}, which is all a density needs, but they are not {@code log |dz_i/dx_i|}, and after this layer
 * a latent coordinate is no longer tied to one input feature: per-feature attributions of a flow that contains it
 * are not conditionals. Coordinates with {@code active[i] = false} (constant features) are left alone
 * ({@code W} is the identity on them and mixes no other coordinate with them), which is why this layer takes the
 * active mask itself and is never wrapped in {@link PassThrough}. Shapes {@code [batch, features]}.
 */
public final class InvertibleLinear extends BijectorBlock {

    private static final byte VERSION = 1;

    private final boolean[] active;
    private final Parameter lower;
    private final Parameter upper;
    private final Parameter logScale;
    private final Parameter sign;
    private final Parameter permutation;
    private NDArray lowerMask;
    private NDArray upperMask;
    private NDArray activeVector;
    private NDArray identity;

    /** @param active coordinates to mix; the others pass through unchanged */
    public InvertibleLinear(boolean[] active, long seed) {
        super(active.length, VERSION);
        this.active = active.clone();
        int d = features;
        int[] index = activeIndices(active);
        if (index.length == 0) {
            throw new FlowGuardException("expected at least one active coordinate to mix, got none");
        }
        double[][] lu = randomRotation(index.length, seed);
        int[] pivot = luInPlace(lu);
        float[] p = new float[d * d];
        float[] l = new float[d * d];
        float[] u = new float[d * d];
        float[] s = new float[d];
        float[] sg = new float[d];
        for (int i = 0; i < d; i++) {
            sg[i] = 1f;
            p[i * d + i] = active[i] ? 0f : 1f;
        }
        for (int a = 0; a < index.length; a++) {
            // P A = L U, so A = P^T L U: row pivot[a] of A is row a of L U
            p[index[pivot[a]] * d + index[a]] = 1f;
            for (int b = 0; b < index.length; b++) {
                if (a > b) {
                    l[index[a] * d + index[b]] = (float) lu[a][b];
                } else if (a < b) {
                    u[index[a] * d + index[b]] = (float) lu[a][b];
                }
            }
            s[index[a]] = (float) Math.log(Math.abs(lu[a][a]));
            sg[index[a]] = lu[a][a] < 0 ? -1f : 1f;
        }
        this.lower = matrix("lower", l, true);
        this.upper = matrix("upper", u, true);
        this.logScale = addParameter(Parameter.builder().setName("logScale").setType(Parameter.Type.OTHER)
                .optShape(new Shape(d)).optInitializer(new FixedValues(s)).build());
        this.sign = buffer("sign", sg);
        this.permutation = matrix("permutation", p, false);
    }

    private Parameter matrix(String name, float[] values, boolean trainable) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER)
                .optShape(new Shape(features, features)).optInitializer(new FixedValues(values))
                .optRequiresGrad(trainable).build());
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        super.initialize(manager, dataType, inputShapes);
        if (lowerMask == null) {
            int d = features;
            float[] lm = new float[d * d];
            float[] um = new float[d * d];
            float[] a = new float[d];
            float[] eye = new float[d * d];
            for (int i = 0; i < d; i++) {
                a[i] = active[i] ? 1f : 0f;
                eye[i * d + i] = 1f;
                for (int j = 0; j < d; j++) {
                    boolean both = active[i] && active[j];
                    lm[i * d + j] = both && i > j ? 1f : 0f;
                    um[i * d + j] = both && i < j ? 1f : 0f;
                }
            }
            Shape square = new Shape(d, d);
            lowerMask = manager.create(lm, square).toType(dataType, false);
            upperMask = manager.create(um, square).toType(dataType, false);
            activeVector = manager.create(a, new Shape(d)).toType(dataType, false);
            identity = manager.create(eye, square).toType(dataType, false);
        }
    }

    /** {@code s_i} on the active coordinates, 0 elsewhere. */
    private NDArray effectiveLogScale() {
        return logScale.getArray().mul(activeVector);
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        NDArray s = effectiveLogScale();
        NDArray l = identity.add(lower.getArray().mul(lowerMask));
        NDArray u = identity.mul(sign.getArray().mul(s.exp())).add(upper.getArray().mul(upperMask));
        NDArray w = permutation.getArray().matMul(l).matMul(u);
        return new Transformed(x.matMul(w.transpose()), s);
    }

    @Override
    public Transformed inverse(NDArray y) {
        checkInput(y);
        double[][] inverse = inverseMatrix();
        int d = features;
        float[] transposed = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                transposed[j * d + i] = (float) inverse[i][j];
            }
        }
        NDArray wInverseT = y.getManager().create(transposed, new Shape(d, d)).toType(y.getDataType(), false);
        return new Transformed(y.matMul(wInverseT), effectiveLogScale().neg());
    }

    /** {@code W^-1 = (U + diag)^-1 L^-1 P^T} in double precision from the current parameters. */
    double[][] inverseMatrix() {
        int d = features;
        float[] l = lower.getArray().toFloatArray();
        float[] u = upper.getArray().toFloatArray();
        float[] s = logScale.getArray().toFloatArray();
        float[] sg = sign.getArray().toFloatArray();
        float[] p = permutation.getArray().toFloatArray();
        double[][] lInverse = new double[d][d];
        for (int j = 0; j < d; j++) {
            // column j of L^-1: forward substitution on e_j, L unit lower triangular
            lInverse[j][j] = 1;
            for (int i = j + 1; i < d; i++) {
                double sum = 0;
                for (int k = j; k < i; k++) {
                    sum += masked(l, i, k, i > k) * lInverse[k][j];
                }
                lInverse[i][j] = -sum;
            }
        }
        double[][] uInverse = new double[d][d];
        for (int j = 0; j < d; j++) {
            // column j of (U + diag)^-1: back substitution on e_j
            for (int i = j; i >= 0; i--) {
                double sum = i == j ? 1 : 0;
                for (int k = i + 1; k <= j; k++) {
                    sum -= masked(u, i, k, i < k) * uInverse[k][j];
                }
                uInverse[i][j] = sum / diagonal(s, sg, i);
            }
        }
        // P is a permutation: P[j][column[j]] = 1, so (L^-1 P^T)[k][j] = L^-1[k][column[j]]
        int[] column = new int[d];
        for (int j = 0; j < d; j++) {
            for (int m = 0; m < d; m++) {
                column[j] = p[j * d + m] > 0.5f ? m : column[j];
            }
        }
        double[][] out = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = i; k < d; k++) {
                for (int j = 0; j < d; j++) {
                    out[i][j] += uInverse[i][k] * lInverse[k][column[j]];
                }
            }
        }
        return out;
    }

    private double masked(float[] values, int i, int j, boolean triangle) {
        return triangle && active[i] && active[j] ? values[i * features + j] : 0;
    }

    private double diagonal(float[] logScales, float[] signs, int i) {
        return active[i] ? signs[i] * Math.exp(logScales[i]) : 1;
    }

    private static int[] activeIndices(boolean[] active) {
        int k = 0;
        for (boolean a : active) {
            k += a ? 1 : 0;
        }
        int[] index = new int[k];
        for (int i = 0, a = 0; i < active.length; i++) {
            if (active[i]) {
                index[a++] = i;
            }
        }
        return index;
    }

    /** A {@code k x k} random rotation: Gram-Schmidt on a seeded Gaussian matrix (rows orthonormal). */
    private static double[][] randomRotation(int k, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] q = new double[k][k];
        for (int i = 0; i < k; i++) {
            while (true) {
                for (int j = 0; j < k; j++) {
                    q[i][j] = random.nextGaussian();
                }
                for (int r = 0; r < i; r++) {
                    double dot = 0;
                    for (int j = 0; j < k; j++) {
                        dot += q[i][j] * q[r][j];
                    }
                    for (int j = 0; j < k; j++) {
                        q[i][j] -= dot * q[r][j];
                    }
                }
                double norm = 0;
                for (int j = 0; j < k; j++) {
                    norm += q[i][j] * q[i][j];
                }
                norm = Math.sqrt(norm);
                if (norm > 1e-6) {
                    for (int j = 0; j < k; j++) {
                        q[i][j] /= norm;
                    }
                    break;
                }
            }
        }
        return q;
    }

    /**
     * LU with partial pivoting, in place: afterwards the strict lower part holds {@code L} (unit diagonal implied),
     * the rest {@code U}, and row {@code a} of {@code L U} is row {@code pivot[a]} of the input.
     */
    private static int[] luInPlace(double[][] a) {
        int k = a.length;
        int[] pivot = new int[k];
        for (int i = 0; i < k; i++) {
            pivot[i] = i;
        }
        for (int c = 0; c < k; c++) {
            int best = c;
            for (int r = c + 1; r < k; r++) {
                if (Math.abs(a[r][c]) > Math.abs(a[best][c])) {
                    best = r;
                }
            }
            double[] row = a[c];
            a[c] = a[best];
            a[best] = row;
            int t = pivot[c];
            pivot[c] = pivot[best];
            pivot[best] = t;
            for (int r = c + 1; r < k; r++) {
                a[r][c] /= a[c][c];
                for (int j = c + 1; j < k; j++) {
                    a[r][j] -= a[r][c] * a[c][j];
                }
            }
        }
        return pivot;
    }
}
