package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every flow family's density is normalised: the trapezoid integral of {@code exp(log p)} over a 2-D grid covering
 * the mass is 1 within 1e-2, with random weights and after a short fit to the 2-D mixture. Parameterised over
 * {@link io.flowguard.model.support.Families#built}, so a new family is checked as soon as the factory builds it.
 */
class FamilyNormalizationTest {

    private static final Matrix MIXTURE = KnownDensity.mixture2d().sample(3000, 11);
    private static final double LO = -14;
    private static final double HI = 14;
    private static final int POINTS = 561;

    static Stream<Arguments> familiesTrainedOrNot() {
        return io.flowguard.model.support.Families.built()
                .flatMap(k -> Stream.of(Arguments.of(k, false), Arguments.of(k, true)));
    }

    @ParameterizedTest(name = "{0}, trained={1}")
    @MethodSource("familiesTrainedOrNot")
    void densityIntegratesToOneOverATwoDimensionalGrid(FlowKind kind, boolean trained) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(3).optHiddenFeatures(32).optSeed(5)
                    .build(), MIXTURE, manager);
            if (trained) {
                new Trainer(TrainOptions.builder().optMaxEpochs(8).optLearningRate(3e-3).optSeed(6).build(), s -> { })
                        .fit(flow, MIXTURE);
            } else {
                Numerics.randomize(flow, 1.0, 7);
            }
            double mass = mass(flow);
            System.out.printf("normalisation %-12s trained=%-5s mass %.5f%n", kind, trained, mass);
            assertEquals(1.0, mass, 1e-2, kind + " 2-D mass");
        }
    }

    /** Trapezoid rule on a {@code POINTS x POINTS} grid over {@code [LO, HI]^2}. */
    private static double mass(Flow flow) {
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
        return mass * step * step;
    }
}
