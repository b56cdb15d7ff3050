package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.bijector.ContinuousTransform;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import io.flowguard.model.train.TrainingReport;
import org.junit.jupiter.api.Test;

/**
 * The continuous normalizing flow: the two ODE solvers agree on log p, Hutchinson's trace (beyond 16 features) is
 * close to the exact log-determinant from autograd, and flow matching trains the velocity field (the held-out NLL of
 * a 2-D mixture falls far below the untrained flow's).
 */
class ContinuousFlowTest {

    private static Flow flow(Matrix data, int hidden, NDManager m) {
        return Flows.build(FlowSpec.builder().setKind(FlowKind.CNF).optHiddenFeatures(hidden).optSeed(3).build(), data,
                m);
    }

    @Test
    void dormandPrinceAndRk4AgreeOnTheLogLikelihood() {
        Matrix data = KnownDensity.banana().sample(256, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            Flow f = flow(data, 32, m);
            ContinuousTransform cnf = f.continuous();
            Numerics.randomize(cnf, 0.6, 9);
            NDArray x = m.create(data.values(), new Shape(data.rows(), 2));
            float[] dopri = f.logProb(x).toFloatArray();
            cnf.withSolver("RK4", 200, 1e-5);
            float[] rk4 = f.logProb(x).toFloatArray();
            double worst = 0;
            for (int i = 0; i < dopri.length; i++) {
                worst = Math.max(worst, Math.abs(dopri[i] - rk4[i]));
            }
            System.out.printf("cnf: DOPRI5 (tol 1e-5) vs RK4 (200 steps), max |log p difference| %.2e%n", worst);
            assertTrue(worst < 1e-3, "solvers differ by " + worst + " nats");
        }
    }

    @Test
    void hutchinsonTraceBeyondSixteenFeaturesIsCloseToTheExactLogDeterminant() {
        int d = 18;
        boolean[] active = new boolean[d];
        java.util.Arrays.fill(active, true);
        try (NDManager m = NDManager.newBaseManager()) {
            ContinuousTransform cnf = new ContinuousTransform(active, new int[] {32, 32}, 4);
            cnf.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, d));
            Numerics.randomize(cnf, 2.0, 5);
            assertFalse(cnf.exactTrace());
            int n = 16;
            float[] input = Numerics.gaussian(n, d, 1.0, 6);
            NDArray x = m.create(input, new Shape(n, d));
            double[][][] jacobian = Numerics.jacobian(m, input, n, d, in -> cnf.forward(in, false).value());
            double[] exact = new double[n];
            double spread = 0;
            for (int i = 0; i < n; i++) {
                exact[i] = Numerics.logAbsDet(jacobian[i]);
                spread = Math.max(spread, Math.abs(exact[i]));
            }
            assertTrue(spread > 0.5, "the test needs a map that changes volume, got |log-det| <= " + spread);
            double[] errors = new double[3];
            int[] probes = {4, 64, 1024};
            for (int p = 0; p < probes.length; p++) {
                double[] estimated = toDouble(cnf.withProbes(probes[p]).forward(x, false).totalLogAbsDet()
                        .toFloatArray());
                double squares = 0;
                for (int i = 0; i < n; i++) {
                    squares += (estimated[i] - exact[i]) * (estimated[i] - exact[i]);
                }
                errors[p] = Math.sqrt(squares / n);
            }
            System.out.printf("cnf: d = %d, Hutchinson vs autograd log-det (|log-det| up to %.2f): RMS error %.4f / "
                    + "%.4f / %.4f nats with 4 / 64 / 1024 probes%n", d, spread, errors[0], errors[1], errors[2]);
            // unbiased: the error falls as 1 / sqrt(probes) (a factor 16 from 4 to 1024 probes; allow 8)
            assertTrue(errors[2] < errors[0] / 8, "Hutchinson does not converge: " + java.util.Arrays.toString(errors));
            assertTrue(errors[2] < 0.1, "1024 probes off by " + errors[2] + " nats");
        }
    }

    @Test
    void flowMatchingTrainsTheVelocityField() {
        Matrix train = KnownDensity.mixture2d().sample(6000, 1);
        Matrix test = KnownDensity.mixture2d().sample(2000, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            Flow f = flow(train, 64, m);
            double before = -Flows.mean(Flows.logProb(f, test));
            TrainingReport report = new Trainer(TrainOptions.builder().optMaxEpochs(25).optPatience(25).optSeed(1)
                    .build(), s -> { }).fit(f, train);
            double after = -Flows.mean(Flows.logProb(f, test));
            double entropy = KnownDensity.mixture2d().meanNll(test);
            System.out.printf("cnf: 2-D mixture, held-out NLL %.4f untrained, %.4f after %d epochs of flow matching "
                    + "(entropy %.4f), %.1f s%n", before, after, report.history().size(), entropy, report.seconds());
            assertTrue(after < before - 0.3, "NLL " + before + " -> " + after);
            assertTrue(after - entropy < 0.4, "gap " + (after - entropy));
            assertEquals(25, report.history().size());
        }
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
