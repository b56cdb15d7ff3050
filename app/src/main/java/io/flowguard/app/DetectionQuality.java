package io.flowguard.app;

import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Thresholds;
import java.util.Arrays;

/**
 * How well one scored test set separates its labelled anomalies: AUROC and AUPRC of the plain {@code -log p(x)} and
 * of the guarded margin of {@link Thresholds#margin}, and the alerts of the guarded decision at the calibrated
 * threshold.
 *
 * @param alerts events the decision flagged
 * @param truePositives flagged events labelled 1
 * @param positives events labelled 1
 */
record DetectionQuality(double auroc, double auprc, double guardedAuroc, double guardedAuprc, int alerts,
        int truePositives, int positives) {

    static DetectionQuality of(ScoreBatch scores, Thresholds thresholds, int[] labels) {
        double[] anomaly = new double[scores.size()];
        double[] guarded = new double[scores.size()];
        int tp = 0;
        int alerts = 0;
        for (int i = 0; i < anomaly.length; i++) {
            anomaly[i] = -scores.logLikelihood(i);
            guarded[i] = thresholds.margin(scores.logLikelihood(i), scores.latentSquaredNorm(i));
            boolean alert = thresholds.judge(scores.logLikelihood(i), scores.latentSquaredNorm(i))
                    != AlertPolicy.Verdict.NORMAL;
            alerts += alert ? 1 : 0;
            tp += alert && labels[i] == 1 ? 1 : 0;
        }
        return new DetectionQuality(Ranking.auroc(anomaly, labels), Ranking.averagePrecision(anomaly, labels),
                Ranking.auroc(guarded, labels), Ranking.averagePrecision(guarded, labels), alerts, tp,
                Arrays.stream(labels).sum());
    }

    /** Share of alerts that are anomalies; null without alerts. */
    Double precision() {
        return alerts == 0 ? null : (double) truePositives / alerts;
    }

    double recall() {
        return (double) truePositives / Math.max(1, positives);
    }
}
