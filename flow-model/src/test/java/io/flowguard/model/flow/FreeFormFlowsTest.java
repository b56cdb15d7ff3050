package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole planar, radial and residual flows: the density integrates to one over a 2-D grid (random weights, set from
 * outside without any refresh, and after a short fit), samples carry the density logProb reports (the inverse and
 * the scoring log-det agree), constant features bypass the learned layers, and per-feature contributions are flagged as not being
 * conditionals.
 */
class FreeFormFlowsTest {

    private static final Matrix MIXTURE = KnownDensity.mixture2d().sample(3000, 11);
    private static final double LO = -14;
    private static final double HI = 14;
    private static final int POINTS = 561;

    static Stream<Arguments> kindsTrainedOrNot() {
        return Stream.of(FlowKind.PLANAR, FlowKind.RADIAL, FlowKind.RESFLOW)
                .flatMap(k -> Stream.of(Arguments.of(k, false), Arguments.of(k, true)));
    }

    private static Flow flow(FlowKind kind, Matrix data, boolean trained, NDManager manager) {
        int layers = kind == FlowKind.RESFLOW ? 3 : 8;
        Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(layers).optHiddenFeatures(32).optSeed(5)
                .build(), data, manager);
        if (trained) {
            new Trainer(TrainOptions.builder().optMaxEpochs(8).optLearningRate(3e-3).optSeed(6).build(), s -> { })
                    .fit(flow, data);
        } else {
            Numerics.randomize(flow, 1.0, 7);
        }
        return flow;
    }

    @ParameterizedTest(name = "{0}, trained={1}")
    @MethodSource("kindsTrainedOrNot")
    void densityIntegratesToOneOverATwoDimensionalGrid(FlowKind kind, boolean trained) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = flow(kind, MIXTURE, trained, manager);
            float[] v = new float[POINTS * POINTS * 2];
            double step = (HI - LO) / (POINTS - 1);
            for (int i = 0; i < POINTS; i++) {
                for (int j = 0; j < POINTS; j++) {
                    v[(i * POINTS + j) * 2] = (float) (LO + step * i);
                    v[(i * POINTS + j) * 2 + 1] = (float) (LO + step * j);
                }
            }
            float[] logProb = Flows.logProb(flow, new Matrix(POINTS * POINTS, 2, v));
            double mass = 0;
            for (int i = 0; i < POINTS; i++) {
                for (int j = 0; j < POINTS; j++) {
                    double w = (i == 0 || i == POINTS - 1 ? 0.5 : 1) * (j == 0 || j == POINTS - 1 ? 0.5 : 1);
                    mass += w * Math.exp(logProb[i * POINTS + j]);
                }
            }
            mass *= step * step;
            System.out.printf(Locale.ROOT, "normalisation %-8s trained=%-5s mass %.5f%n", kind, trained, mass);
            assertTrue(Numerics.allFinite(logProb), "finite log-density on the whole grid");
            assertEquals(1.0, mass, 1e-2, kind + " 2-D mass");
        }
    }

    @ParameterizedTest
    @EnumSource(value = FlowKind.class, names = {"PLANAR", "RADIAL", "RESFLOW"})
    void samplesCarryTheDensityLogProbReports(FlowKind kind) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = flow(kind, MIXTURE, true, manager);
            Sample sample = flow.sample(4000, 99);
            float[] again = Flows.logProb(flow, sample.events());
            double diff = Numerics.maxAbsDiff(sample.logProb(), again);
            System.out.printf(Locale.ROOT, "sample/logProb %-8s max |path log-density - logProb| %.2e%n", kind, diff);
            assertTrue(diff < 2e-3, "path log-density vs logProb: " + diff);
            assertFalse(flow.spec().attributionsAreConditionals(), "per-feature entries are not conditionals");
        }
    }

    @ParameterizedTest
    @EnumSource(value = FlowKind.class, names = {"PLANAR", "RADIAL", "RESFLOW"})
    void constantFeaturesStayFixed(FlowKind kind) {
        Matrix base = KnownDensity.mixture2d().sample(2000, 12);
        float[] v = new float[base.rows() * 3];
        for (int i = 0; i < base.rows(); i++) {
            v[i * 3] = base.get(i, 0);
            v[i * 3 + 1] = 4.25f;
            v[i * 3 + 2] = base.get(i, 1);
        }
        Matrix data = new Matrix(base.rows(), 3, v);
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = flow(kind, data, true, manager);
            // the learned layers leave the constant coordinate alone: its latent is the fixed standardisation's
            FeatureSpec constant = flow.schema().get(1);
            float expected = (4.25f - constant.centre()) / constant.scale();
            Matrix probe = data.slice(0, 200);
            try (NDManager m = manager.newSubManager()) {
                float[] latent = flow.toLatent(m.create(probe.values(), new ai.djl.ndarray.types.Shape(200, 3)))
                        .toFloatArray();
                for (int i = 0; i < 200; i++) {
                    assertEquals(expected, latent[i * 3 + 1], 1e-4, "latent of the constant feature, row " + i);
                }
            }
            Sample sample = flow.sample(500, 3);
            assertTrue(Numerics.maxAbsDiff(sample.logProb(), Flows.logProb(flow, sample.events())) < 2e-3,
                    "path log-density vs logProb");
            assertTrue(Numerics.allFinite(Flows.logProb(flow, data)), "finite log-density");
        }
    }
}
