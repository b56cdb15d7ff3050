package io.flowguard.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import io.flowguard.model.nn.Tensors;
import java.util.ArrayList;
import java.util.List;

/**
 * Adam with decoupled weight decay (Kingma and Ba 2015; Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019) and global gradient-norm clipping. The per-parameter update is the engine's fused
 * native kernel (one call per tensor instead of a dozen small ops), which also zeroes the gradient.
 */
final class AdamW {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final List<Parameter> parameters;
    private final List<NDArray> means = new ArrayList<>();
    private final List<NDArray> variances = new ArrayList<>();
    private final float weightDecay;
    private final double clipNorm;
    private int step;

    AdamW(List<Parameter> parameters, double weightDecay, double clipNorm) {
        this.parameters = List.copyOf(parameters);
        this.weightDecay = (float) weightDecay;
        this.clipNorm = clipNorm;
        for (Parameter p : this.parameters) {
            means.add(p.getArray().zerosLike());
            variances.add(p.getArray().zerosLike());
        }
    }

    /** Global L2 norm of the current gradients (one host sync). */
    double gradientNorm() {
        NDArray total = null;
        for (Parameter p : parameters) {
            NDArray sq = p.getArray().getGradient().square().sum();
            total = total == null ? sq : total.add(sq);
        }
        return Math.sqrt(total.getFloat());
    }

    /** Applies one update at learning rate {@code lr}, clipping the global gradient norm first. */
    void update(double lr, double gradientNorm) {
        step++;
        float rescale = gradientNorm > clipNorm ? (float) (clipNorm / gradientNorm) : 1f;
        double biasCorrection = StrictMath.sqrt(1 - StrictMath.pow(BETA2, step)) / (1 - StrictMath.pow(BETA1, step));
        for (int i = 0; i < parameters.size(); i++) {
            NDArray weight = parameters.get(i).getArray();
            NDArray grad = weight.getGradient();
            weight.getNDArrayInternal().adamUpdate(new NDList(weight, grad, means.get(i), variances.get(i)),
                    new NDList(weight), (float) lr, (float) (lr * biasCorrection), weightDecay, rescale, -1f,
                    BETA1, BETA2, EPSILON, false, true);
        }
    }

    /**
     * Drops the current gradients without updating (after a non-finite loss or gradient). They are overwritten with
     * zeros in place: multiplying by zero would keep NaN (NaN * 0 = NaN) and poison every later step.
     */
    void discardGradients() {
        for (Parameter p : parameters) {
            Tensors.zero(p.getArray().getGradient());
        }
    }

    void close() {
        means.forEach(NDArray::close);
        variances.forEach(NDArray::close);
    }
}
