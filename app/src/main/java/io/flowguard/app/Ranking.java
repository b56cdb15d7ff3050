package io.flowguard.app;

import java.util.Arrays;
import java.util.Comparator;

/** Threshold-free detection metrics; higher score = more anomalous, label 1 = anomaly. */
public final class Ranking {

    private Ranking() {}

    /** Area under the ROC curve (Mann-Whitney U, ties counted one half). NaN if one class is absent. */
    public static double auroc(double[] score, int[] label) {
        Integer[] order = sortedAscending(score);
        long positives = Arrays.stream(label).filter(l -> l == 1).count();
        long negatives = label.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        double rankSum = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && score[order[j + 1]] == score[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (label[order[k]] == 1) {
                    rankSum += midRank;
                }
            }
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * Average precision: the mean over anomalies of the precision at the threshold that first includes them
     * (tied scores enter together), as scikit-learn's average_precision_score. NaN without anomalies.
     */
    public static double averagePrecision(double[] score, int[] label) {
        Integer[] order = sortedAscending(score);
        long positives = Arrays.stream(label).filter(l -> l == 1).count();
        if (positives == 0) {
            return Double.NaN;
        }
        double ap = 0;
        long tp = 0;
        long seen = 0;
        int i = order.length - 1;
        while (i >= 0) {
            int j = i;
            while (j - 1 >= 0 && score[order[j - 1]] == score[order[i]]) {
                j--;
            }
            long newTp = 0;
            for (int k = j; k <= i; k++) {
                newTp += label[order[k]];
            }
            tp += newTp;
            seen += i - j + 1;
            ap += (double) newTp / positives * tp / seen;
            i = j - 1;
        }
        return ap;
    }

    private static Integer[] sortedAscending(double[] score) {
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> score[i]));
        return order;
    }
}
