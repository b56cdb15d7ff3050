package io.flowguard.model.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.bijector.ArcSinh;
import io.flowguard.model.bijector.Bijector;
import io.flowguard.model.bijector.Standardize;
import io.flowguard.model.bijector.Transformed;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import java.util.List;

/**
 * Which features make an event unlikely: for each feature {@code j}, the model's conditional of {@code x_j} given
 * <em>every other</em> feature of the event, {@code p(x_j | x_-j) = p(x) / integral p(x with x_j = t) dt}, and its
 * distribution function {@code F_j}, reported as {@code z_j = Phi^-1(F_j)} and the two-sided tail
 * {@code 2 Phi(-|z_j|)} ({@link AttributionBatch}).
 *
 * <p>Why this conditional. It is exact for every flow, whatever its kind or orderings (it needs the joint density
 * only), where per-coordinate log-determinant terms are conditionals only under one shared autoregressive order.
 * And it blames the right field: a prefix conditional {@code p(x_j | x_<j)} of a feature that comes first in the
 * order is its marginal, so a feature shifted off a relation it shares with a later one is blamed on the later one;
 * given all the others, the shifted feature is the one that is off by the most (its partner is off only through the
 * relation, by a factor of the correlation less). A broken relation makes its features the unlikely ones given the
 * rest, and a feature outside every relation is judged against its own marginal.
 *
 * <p>Why the tail and not the density. {@code log p(x_j | x_-j)} is in nats per unit of {@code x_j}: multiplying a
 * column by 1,000 lowers it by {@code log 1000} and moves that feature up any ranking by density. {@code F_j} is
 * invariant under any increasing change of units of {@code x_j} and any invertible change of the other columns, so
 * the ranking by tail is too. (For a bimodal conditional a value between the modes has a central {@code F_j}: the tail
 * says "not too high, not too low", not "in the gap".)
 *
 * <p>Computation: the fixed preprocessing (standardisation, asinh) is increasing per feature, so {@code F_j} is
 * computed in the flow's standardised coordinates by {@link ConditionalQuadrature}: about {@code 4 x 40} density
 * evaluations per feature per event (the price of exactness without a second model), so a caller attributes the
 * events that need it (alerts, a table an analyst reads), not every event of a stream.
 */
public final class FeatureAttribution {

    private FeatureAttribution() {}

    /** Attributions of every row of {@code events} (finite, of the flow's width: {@link Scorer#attribute} checks). */
    static AttributionBatch compute(Flow flow, Matrix events) {
        int n = events.rows();
        int d = events.cols();
        if (n == 0) {
            return new AttributionBatch(d, new float[0], new float[0], new float[0]);
        }
        List<Bijector> bijectors = flow.bijectors();
        int first = 0;
        while (first < bijectors.size() - 1
                && (bijectors.get(first) instanceof Standardize || bijectors.get(first) instanceof ArcSinh)) {
            first++;
        }
        float[] v = new float[n * d];
        float[] preprocessingLogDet = new float[n * d];
        try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray h = manager.create(events.values(), new Shape(n, d));
            NDArray logDet = h.zerosLike();
            for (int l = 0; l < first; l++) {
                Transformed t = bijectors.get(l).forward(h, false);
                h = t.value();
                logDet = logDet.add(t.logAbsDet());
            }
            System.arraycopy(h.toFloatArray(), 0, v, 0, n * d);
            System.arraycopy(logDet.toFloatArray(), 0, preprocessingLogDet, 0, n * d);
        }
        int learned = first;
        ConditionalQuadrature.Conditional[] c = ConditionalQuadrature.compute(
                (rows, count) -> learnedLogDensity(flow, learned, rows, count, d), v, n, d);
        float[] z = new float[n * d];
        float[] logTail = new float[n * d];
        float[] logConditional = new float[n * d];
        double log2 = Math.log(2);
        for (int k = 0; k < n * d; k++) {
            z[k] = (float) c[k].z();
            logTail[k] = (float) Math.min(0, log2 + c[k].logOneSidedTail());
            logConditional[k] = (float) (c[k].logConditionalDensity() + preprocessingLogDet[k]);
        }
        return new AttributionBatch(d, z, logTail, logConditional);
    }

    /** {@code log p} in the coordinates after the fixed preprocessing: the learned layers and the base density. */
    private static double[] learnedLogDensity(Flow flow, int first, float[] rows, int count, int d) {
        List<Bijector> bijectors = flow.bijectors();
        try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray h = manager.create(rows, new Shape(count, d));
            NDArray logDet = null;
            for (int l = first; l < bijectors.size(); l++) {
                Transformed t = bijectors.get(l).forward(h, false);
                h = t.value();
                logDet = logDet == null ? t.logAbsDet() : logDet.add(t.logAbsDet());
            }
            NDArray perCoordinate = flow.base().logDensity(h);
            if (logDet != null) {
                perCoordinate = perCoordinate.add(logDet);
            }
            float[] lp = perCoordinate.sum(new int[] {1}).toFloatArray();
            double[] out = new double[count];
            for (int i = 0; i < count; i++) {
                out[i] = lp[i];
            }
            return out;
        }
    }
}
