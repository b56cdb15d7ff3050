package io.flowguard.model.score;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.InvalidInputException;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.Ordering;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ScorerTest {

    private static final Matrix DATA = KnownDensity.mixture2d().sample(2000, 31);

    private static Flow flow(FlowKind kind, Ordering ordering, NDManager manager) {
        Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(3).optHiddenFeatures(16)
                .optOrdering(ordering).optSeed(4).build(), DATA, manager);
        Numerics.randomize(flow, 1.0, 5);
        return flow;
    }

    @ParameterizedTest
    @MethodSource("io.flowguard.model.support.Families#built")
    void perFeatureContributionsSumToTheLogLikelihood(FlowKind kind) {
        try (NDManager manager = NDManager.newBaseManager()) {
            ScoreBatch s = new Scorer(flow(kind, Ordering.REVERSE, manager), Calibration.fit(new float[] {-3, -2, -1}),
                    "v").score(DATA.slice(0, 300));
            for (int i = 0; i < s.size(); i++) {
                double sum = s.contribution(i, 0) + s.contribution(i, 1);
                assertEquals(s.logLikelihood(i), sum, 1e-4 * Math.max(1, Math.abs(sum)));
                assertEquals(-s.logLikelihood(i) / (2 * Math.log(2)), s.bitsPerDimension(i), 1e-6);
                assertTrue(s.latentSquaredNorm(i) >= 0);
                assertEquals((s.logLikelihood(i) + 2) / 1.0, s.typicality(i), 1e-9);
            }
        }
    }

    /**
     * With the natural order kept through every layer, the first contribution is the marginal log p(x_0): compare
     * it with log of the numerical integral of exp(log p(x_0, x_1)) over x_1.
     */
    @ParameterizedTest
    @EnumSource(value = FlowKind.class, names = {"MAF", "IAF"})
    void theFirstContributionIsTheExactMarginalUnderTheNaturalOrder(FlowKind kind) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = flow(kind, Ordering.NATURAL, manager);
            assertTrue(flow.spec().attributionsAreConditionals());
            Scorer scorer = new Scorer(flow, null, "v");
            int points = 8001;
            double lo = -40;
            double hi = 40;
            double h = (hi - lo) / (points - 1);
            for (int probe = 0; probe < 5; probe++) {
                float x0 = DATA.get(probe, 0);
                float[] grid = new float[points * 2];
                for (int k = 0; k < points; k++) {
                    grid[2 * k] = x0;
                    grid[2 * k + 1] = (float) (lo + k * h);
                }
                ScoreBatch s = scorer.score(new Matrix(points, 2, grid));
                double integral = 0;
                for (int k = 0; k < points; k++) {
                    integral += Math.exp(s.logLikelihood(k)) * (k == 0 || k == points - 1 ? 0.5 : 1) * h;
                }
                assertEquals(Math.log(integral), s.contribution(0, 0), 1e-2, "probe " + probe);
            }
        }
    }

    @Test
    void concurrentScoringGivesTheSameAnswers() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Scorer scorer = new Scorer(flow(FlowKind.NSF, Ordering.REVERSE, manager), null, "v");
            Matrix batch = DATA.slice(0, 1000);
            float[] expected = scorer.score(batch).logLikelihoods();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[]>> results = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    results.add(pool.submit(() -> scorer.score(batch).logLikelihoods()));
                }
                for (Future<float[]> f : results) {
                    assertArrayEquals(expected, f.get());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Native memory stays flat: every score call frees its tensors. A leak of the per-batch intermediates would
     * grow the resident set by megabytes per call (gigabytes over this loop).
     */
    @Test
    void scoringManyBatchesKeepsTheResidentSetFlat() throws java.io.IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Scorer scorer = new Scorer(flow(FlowKind.NSF, Ordering.REVERSE, manager), null, "v");
            Matrix batch = KnownDensity.mixture2d().sample(2048, 5);
            // The first ~1,000 batches grow the heap and the native allocator's arenas to their working size
            // (160-220 MB, then flat: measured over 3,600 batches); a leak grows without end. So: warm up, then
            // measure the growth over 1,800 more batches: even 36 kB per batch left behind would fail.
            for (int i = 0; i < 1200; i++) {
                scorer.score(batch);
            }
            long before = residentKb();
            for (int i = 0; i < 1800; i++) {
                scorer.score(batch);
            }
            long grownMb = (residentKb() - before) / 1024;
            assertTrue(grownMb < 64, "resident set grew by " + grownMb + " MB over 1,800 batches after warm-up");
        }
    }

    private static long residentKb() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void badEventsAreRefusedWithRowAndColumn() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Scorer scorer = new Scorer(flow(FlowKind.MAF, Ordering.REVERSE, manager), null, "v");
            String wide = assertThrows(InvalidInputException.class,
                    () -> scorer.score(new Matrix(1, 3, new float[3]))).getMessage();
            assertTrue(wide.contains("expected 2 features") && wide.contains("got 3"), wide);
            String nan = assertThrows(InvalidInputException.class,
                    () -> scorer.score(new Matrix(2, 2, new float[] {0, 0, 1, Float.NaN}))).getMessage();
            assertTrue(nan.contains("row 2") && nan.contains("column 2"), nan);
        }
    }

    @Test
    void chiSquaredDistributionFunctionMatchesTables() {
        assertEquals(0.95, ChiSquared.cdf(3.841459, 1), 1e-6);
        assertEquals(0.566529, ChiSquared.cdf(8, 8), 1e-5);
        assertEquals(1.4e-4, ChiSquared.cdf(0.5, 8), 1e-5);
        assertEquals(0.99, ChiSquared.cdf(76.15389, 50), 1e-6);
        assertEquals(0, ChiSquared.cdf(0, 3));
    }
}
