package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RankingTest {

    @Test
    void aurocOfPerfectReversedAndTiedRankings() {
        int[] y = {0, 0, 1, 1};
        assertEquals(1.0, Ranking.auroc(new double[] {0.1, 0.2, 0.8, 0.9}, y));
        assertEquals(0.0, Ranking.auroc(new double[] {0.9, 0.8, 0.2, 0.1}, y));
        assertEquals(0.5, Ranking.auroc(new double[] {1, 1, 1, 1}, y));
        assertEquals(0.75, Ranking.auroc(new double[] {0.1, 0.4, 0.35, 0.8}, y));
        assertTrue(Double.isNaN(Ranking.auroc(new double[] {1, 2}, new int[] {0, 0})));
    }

    /** scikit-learn's average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333. */
    @Test
    void averagePrecisionMatchesScikitLearn() {
        assertEquals(5.0 / 6.0, Ranking.averagePrecision(new double[] {0.1, 0.4, 0.35, 0.8}, new int[] {0, 0, 1, 1}),
                1e-12);
        assertEquals(1.0, Ranking.averagePrecision(new double[] {0.1, 0.2, 0.9}, new int[] {0, 0, 1}), 1e-12);
        assertEquals(0.5, Ranking.averagePrecision(new double[] {1, 1}, new int[] {0, 1}), 1e-12);
    }
}
