package io.flowguard.model.score;

import java.util.Arrays;

/**
 * Per-feature attributions of a batch (see {@link FeatureAttribution}), held column-wise. For event {@code i} and
 * feature {@code j}, with {@code F = P(X_j <= x_j | X_-j = x_-j)} under the model (the conditional of feature
 * {@code j} given every other feature of the event):
 * <ul>
 *   <li>{@link #z}: {@code Phi^-1(F)}, the conditional expressed as a standard-normal quantile; positive when the value
 *       is higher than the rest of the event makes likely. Unit-free.
 *   <li>{@link #logTwoSidedTail}: {@code log(2 min(F, 1 - F)) = log(2 Phi(-|z|))}, in nats, at most 0; the
 *       probability, under the model, of a value at least this far out on either side given the other features.
 *   <li>{@link #logConditionalDensity}: {@code log p(x_j | x_-j)} in nats per unit of feature {@code j}.
 * </ul>
 * Rankings use {@code |z|} (equivalently the two-sided tail), never a density, so they do not depend on units.
 */
public final class AttributionBatch {

    private final int features;
    private final float[] z;
    private final float[] logTail;
    private final float[] logConditional;

    AttributionBatch(int features, float[] z, float[] logTail, float[] logConditional) {
        this.features = features;
        this.z = z;
        this.logTail = logTail;
        this.logConditional = logConditional;
    }

    public int size() {
        return features == 0 ? 0 : z.length / features;
    }

    public int features() {
        return features;
    }

    public double z(int i, int feature) {
        return z[i * features + feature];
    }

    public double logTwoSidedTail(int i, int feature) {
        return logTail[i * features + feature];
    }

    public double logConditionalDensity(int i, int feature) {
        return logConditional[i * features + feature];
    }

    /** Event {@code i}'s z values, one per feature, copied into {@code dst} from {@code offset}. */
    public void copyZ(int i, float[] dst, int offset) {
        System.arraycopy(z, i * features, dst, offset, features);
    }

    /**
     * The {@code k} features of event {@code i} with the smallest two-sided conditional tail (largest {@code |z|}),
     * most anomalous first; ties keep the feature order.
     */
    public int[] mostAnomalousFeatures(int i, int k) {
        Integer[] order = new Integer[features];
        for (int j = 0; j < features; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logTail[i * features + a], logTail[i * features + b]));
        int[] top = new int[Math.min(k, features)];
        for (int j = 0; j < top.length; j++) {
            top[j] = order[j];
        }
        return top;
    }
}
