package io.flowguard.ingest.nab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hand-computed NAB scores: one file of 100 rows (probation 15), one window over rows 40..49 (width 10). */
class NabScorerTest {

    private static final CostProfile STANDARD = new CostProfile("standard", 1.0, 1.0, 0.11);
    private static final CostProfile LOW_FN = new CostProfile("reward_low_FN_rate", 1.0, 2.0, 0.11);
    private static final LocalDateTime T0 = LocalDateTime.of(2014, 4, 1, 0, 0);
    private static final double EPS = 1e-9;

    private static List<LocalDateTime> times(int n) {
        List<LocalDateTime> t = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            t.add(T0.plusMinutes(5L * i));
        }
        return t;
    }

    private static Map<String, List<AnomalyWindow>> window(int from, int to) {
        return Map.of("c/f.csv", List.of(new AnomalyWindow(T0.plusMinutes(5L * from), T0.plusMinutes(5L * to))));
    }

    private static NabScorer.Result score(double[] scores, CostProfile profile) {
        return NabScorer.score(List.of(new ScoredSeries("c/f.csv", times(scores.length), scores)), window(40, 49),
                profile);
    }

    /** 2 sigma(-5 y) - 1 written out. */
    private static double sigmoid(double y) {
        return 2 / (1 + Math.exp(5 * y)) - 1;
    }

    @Test
    void theScaledSigmoidIsNabs() {
        assertEquals(2 / (1 + Math.exp(-5)) - 1, NabScorer.scaledSigmoid(-1), EPS); // 0.98661
        assertEquals(0, NabScorer.scaledSigmoid(0), EPS);
        assertEquals(-1, NabScorer.scaledSigmoid(3.01), EPS);
        assertEquals(2 / (1 + Math.exp(15)) - 1, NabScorer.scaledSigmoid(3), EPS);
        assertEquals(15, NabScorer.probation(100));
        assertEquals(750, NabScorer.probation(22_695)); // NAB caps it at 0.15 * 5000
    }

    @Test
    void theEarliestDetectionInAWindowEarnsAlmostOne() {
        double[] s = new double[100];
        s[40] = 1;
        s[45] = 1; // a later detection in the same window adds nothing
        NabScorer.Result r = score(s, STANDARD);
        assertEquals(1.0, r.threshold());
        assertEquals(sigmoid(-1), r.raw(), EPS);
        assertEquals(-1, r.nullScore(), EPS);
        assertEquals(1, r.perfect(), EPS);
        assertEquals(100 * (sigmoid(-1) + 1) / 2, r.normalized(), EPS); // 99.33
        assertEquals(1, r.truePositives());
        assertEquals(0, r.falsePositives());
    }

    @Test
    void aLateDetectionEarnsLessAndFalsePositivesCostTheirSigmoidTimesTheWeight() {
        double[] s = new double[100];
        s[47] = 1; // position -(49 - 47 + 1) / 10 = -0.3
        s[20] = 1; // before any window: -1 x 0.11
        s[55] = 1; // after the window: (55 - 49) / (10 - 1) = 2/3
        s[5] = 1; // probationary: not counted
        NabScorer.Result r = score(s, STANDARD);
        double expected = sigmoid(-0.3) - 0.11 + 0.11 * sigmoid(2.0 / 3);
        assertEquals(expected, r.raw(), EPS);
        assertEquals(2, r.falsePositives());
        assertEquals(100 * (expected + 1) / 2, r.normalized(), EPS);
    }

    @Test
    void theThresholdIsSweptToTheCorpusOptimum() {
        double[] s = new double[100];
        s[30] = 0.9; // a false positive scored above the true detection
        s[41] = 0.6;
        NabScorer.Result r = score(s, STANDARD);
        // at 0.9: -1 (missed) - 0.11; at 0.6: sigmoid(-0.9) - 0.11 = 0.867: lower threshold wins
        assertEquals(0.6, r.threshold());
        assertEquals(sigmoid(-0.9) - 0.11, r.raw(), EPS);
        // all false positives: detecting nothing is best, the null detector's score, normalised 0
        double[] fp = new double[100];
        fp[20] = 0.8;
        fp[70] = 0.7;
        NabScorer.Result none = score(fp, STANDARD);
        assertEquals(Double.POSITIVE_INFINITY, none.threshold());
        assertEquals(0, none.normalized(), EPS);
        assertEquals(1, none.falseNegatives());
    }

    @Test
    void theLowFalseNegativeProfileWeighsAMissTwice() {
        double[] s = new double[100];
        s[49] = 1; // last row: position -0.1
        NabScorer.Result r = score(s, LOW_FN);
        assertEquals(sigmoid(-0.1), r.raw(), EPS);
        assertEquals(-2, r.nullScore(), EPS);
        assertEquals(100 * (sigmoid(-0.1) + 2) / 3, r.normalized(), EPS);
    }

    @Test
    void filesWithoutWindowsOnlyCostFalsePositivesAndTheThresholdIsSharedAcrossTheCorpus() {
        double[] a = new double[100];
        a[40] = 0.5;
        double[] b = new double[100];
        b[60] = 0.5; // file without windows: a detection is a false positive at -1 x 0.11
        NabScorer.Result r = NabScorer.score(List.of(new ScoredSeries("c/f.csv", times(100), a),
                new ScoredSeries("c/g.csv", times(100), b)), window(40, 49), STANDARD);
        assertEquals(0.5, r.threshold());
        assertEquals(sigmoid(-1) - 0.11, r.raw(), EPS);
        assertEquals(sigmoid(-1), r.perFile().get("c/f.csv"), EPS);
        assertEquals(-0.11, r.perFile().get("c/g.csv"), EPS);
    }
}
