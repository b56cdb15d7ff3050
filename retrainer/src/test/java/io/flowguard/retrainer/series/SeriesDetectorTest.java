package io.flowguard.retrainer.series;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.data.Matrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The time-series detector on a noisy daily cycle read every 5 minutes: no look-ahead (changing the future leaves
 * every earlier score as it was), the probation scores 0, a spike and a frozen stretch are unlikely and the normal
 * rows mostly are not, and an event is one page.
 */
class SeriesDetectorTest {

    private static final int ROWS = 3000;
    private static final int SPIKE = 2000;
    private static final int FROZEN_FROM = 2400;
    private static final int FROZEN_TO = 2520;
    private static final long T0 = 1_420_070_400L; // 2015-01-01 00:00
    private static long[] seconds;
    private static double[] clean;
    private static double[] values;
    private static SeriesDetector.Result result;

    @BeforeAll
    static void run() {
        seconds = new long[ROWS];
        clean = new double[ROWS];
        Random r = new Random(5);
        for (int i = 0; i < ROWS; i++) {
            seconds[i] = T0 + 300L * i;
            clean[i] = 50 + 10 * Math.sin(2 * Math.PI * (seconds[i] % 86_400) / 86_400.0) + r.nextGaussian();
        }
        values = clean.clone();
        values[SPIKE] += 9;
        Arrays.fill(values, FROZEN_FROM, FROZEN_TO, values[FROZEN_FROM - 1]);
        result = new SeriesDetector(SeriesDetector.Options.defaults()).run(seconds, values,
                (row, fit, n, ok, why, s) -> { });
    }

    @Test
    void probationScoresZeroAndEveryScoreIsAProbabilityScale() {
        assertEquals(450, result.probation(), "NAB: min(floor(0.15 n), 750)");
        for (int i = 0; i < ROWS; i++) {
            double s = result.scores()[i];
            assertTrue(s >= 0 && s <= 1, "row " + i + ": " + s);
            assertTrue(result.tails()[i] >= 0 && result.tails()[i] <= 1, "row " + i + ": " + result.tails()[i]);
            if (i < result.probation()) {
                assertEquals(0.0, s, "row " + i);
            }
        }
        assertTrue(Arrays.asList(result.features()).contains("day_phase"), Arrays.toString(result.features()));
        assertEquals(6, result.fits(), "a fit every 450 rows from row 450");
        assertEquals(0.5, SeriesDetector.score(0.1), 1e-12);
        assertEquals(0.8, SeriesDetector.score(1e-4), 1e-12);
        assertEquals(0.0, SeriesDetector.score(1), 0);
        assertTrue(SeriesDetector.score(1e-30) > SeriesDetector.score(1e-20), "resolution where 1 - p rounds to 1");
    }

    @Test
    void aSpikeAndAFrozenSensorAreUnlikelyAndNormalRowsAreNot() {
        assertTrue(result.tails()[SPIKE] < 1e-4, "spike tail " + result.tails()[SPIKE]);
        int frozenFlagged = 0;
        for (int i = FROZEN_FROM + 12; i < FROZEN_TO; i++) {
            frozenFlagged += result.tails()[i] < 1e-3 ? 1 : 0;
        }
        int frozenRows = FROZEN_TO - FROZEN_FROM - 12;
        assertTrue(frozenFlagged > 0.9 * frozenRows, frozenFlagged + " of " + frozenRows + " frozen rows flagged");
        int normal = 0;
        int falseAlarms = 0;
        for (int i = result.probation(); i < ROWS; i++) {
            boolean near = Math.abs(i - SPIKE) <= 12 || (i >= FROZEN_FROM && i < FROZEN_TO + 12);
            if (!near) {
                normal++;
                falseAlarms += result.tails()[i] < 1e-3 ? 1 : 0;
            }
        }
        System.out.printf("series: spike tail %.3g, frozen %d/%d below 1e-3, normal rows below 1e-3: %d of %d%n",
                result.tails()[SPIKE], frozenFlagged, frozenRows, falseAlarms, normal);
        assertTrue(falseAlarms < 0.01 * normal, falseAlarms + " of " + normal + " normal rows below 1e-3");
    }

    @Test
    void anEventIsOnePageNotOnePerRow() {
        assertTrue(result.scores()[SPIKE] > 0.8, "the spike is a page: " + result.scores()[SPIKE]);
        int pages = 0;
        for (int i = FROZEN_FROM; i < FROZEN_TO; i++) {
            pages += result.scores()[i] > 0.75 ? 1 : 0;
        }
        assertTrue(pages >= 1 && pages <= 12, pages + " pages over a frozen stretch of 120 rows");
        // a row keeps its score only with more than twice the evidence (-log10 p) of each of the rows before it
        double[] tails = {1, 1e-5, 1e-3, 1e-11, 1e-6, 0.5, 1, 1, 1, 1e-2};
        double[] pagesOf = SeriesDetector.pages(tails, 3);
        assertArrayEquals(new double[] {0, SeriesDetector.score(1e-5), 0, SeriesDetector.score(1e-11), 0, 0, 0, 0, 0,
            SeriesDetector.score(1e-2)}, pagesOf, 1e-12);
    }

    @Test
    void changingTheFutureLeavesEveryEarlierScoreAsItWas() {
        double[] other = values.clone();
        for (int i = 1700; i < ROWS; i++) {
            other[i] = 200 - other[i];
        }
        SeriesDetector.Result changed = new SeriesDetector(SeriesDetector.Options.defaults())
                .run(seconds, other, (row, fit, n, ok, why, s) -> { });
        assertArrayEquals(Arrays.copyOf(result.tails(), 1700), Arrays.copyOf(changed.tails(), 1700));
        assertArrayEquals(Arrays.copyOf(result.scores(), 1700), Arrays.copyOf(changed.scores(), 1700));
        assertTrue(changed.tails()[1700] != result.tails()[1700] || changed.tails()[1800] != result.tails()[1800]);
    }

    @Test
    void featuresReadOnlyThePastAndAFrozenSeriesHasTheFloorVolatility() {
        LagFeatures lag = LagFeatures.choose(seconds, values, 450, 12);
        Matrix whole = lag.rows(seconds, values, 0, ROWS);
        double[] cut = Arrays.copyOf(values, 1000);
        Matrix prefix = lag.rows(Arrays.copyOf(seconds, 1000), cut, 0, 1000);
        assertArrayEquals(prefix.values(), whole.slice(0, 1000).values());
        float frozen = whole.get(FROZEN_FROM + 12, 3);
        float floor = (float) Math.log(lag.floor());
        assertEquals(floor, frozen, 1e-6, "volatility of a series that stopped moving");
        float phase = whole.get(12 * 6, 4); // 06:00
        assertEquals(0.25, phase, 1e-6);
        // hourly readings: no day phase
        long[] hourly = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            hourly[i] = T0 + 3600L * i;
        }
        assertEquals(4, LagFeatures.choose(hourly, values, 450, 12).features());
    }
}
