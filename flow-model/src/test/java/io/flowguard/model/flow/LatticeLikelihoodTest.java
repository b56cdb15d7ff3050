package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.support.Flows;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A count on a lattice of step 1/4 (a Poisson(6) count of quarter units) beside an independent standard normal: the
 * truth {@code log P(X = x, y) = log Poisson(4x; 6) + log phi(y)} is known, and the reported log-likelihood must be
 * it, where the dequantised density at the cell centre is off by {@code log 4} and more.
 */
class LatticeLikelihoodTest {

    private static final double LAMBDA = 6;
    private static final double STEP = 0.25;
    private static NDManager manager;
    private static Flow flow;

    @BeforeAll
    static void train() {
        manager = NDManager.newBaseManager();
        Matrix data = sample(12000, 1);
        FeatureSchema schema = FeatureSchema.fit(data, Flows.names(2), PreprocessingOptions.defaults());
        assertEquals(FeatureKind.DISCRETE, schema.get(0).kind());
        assertEquals(STEP, schema.get(0).quantum(), 1e-6);
        flow = FlowFactory.create(FlowSpec.builder().setKind(FlowKind.NSF).optLayers(3).optHiddenFeatures(32)
                .optBins(12).optSeed(2).build(), schema, manager);
        new Trainer(TrainOptions.builder().optMaxEpochs(40).optLearningRate(3e-3).optSeed(3).build(), s -> { })
                .fit(flow, data);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static Matrix sample(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[2 * n];
        for (int i = 0; i < n; i++) {
            // Poisson by inversion
            double u = r.nextDouble();
            int k = 0;
            double p = Math.exp(-LAMBDA);
            double cdf = p;
            while (u > cdf) {
                k++;
                p *= LAMBDA / k;
                cdf += p;
            }
            v[2 * i] = (float) (k * STEP);
            v[2 * i + 1] = (float) r.nextGaussian();
        }
        return new Matrix(n, 2, v);
    }

    private static double truth(float x, float y) {
        int k = Math.round(x / (float) STEP);
        double logFactorial = 0;
        for (int j = 2; j <= k; j++) {
            logFactorial += Math.log(j);
        }
        return k * Math.log(LAMBDA) - LAMBDA - logFactorial - 0.5 * y * y - 0.5 * Math.log(2 * Math.PI);
    }

    @Test
    void theReportedLogLikelihoodIsTheLogProbabilityOfTheCell() {
        Matrix test = sample(4000, 9);
        Scorer scorer = new Scorer(flow, null, "v");
        assertEquals(LatticeLikelihood.Kind.CELL_PROBABILITY, scorer.likelihoodKind());
        ScoreBatch s = scorer.score(test);
        float[] centre = Flows.logProb(flow, test);
        double error = 0;
        double centreError = 0;
        double nll = 0;
        for (int i = 0; i < test.rows(); i++) {
            double t = truth(test.get(i, 0), test.get(i, 1));
            error += Math.abs(s.logLikelihood(i) - t);
            centreError += Math.abs(centre[i] - t);
            nll -= s.logLikelihood(i);
        }
        error /= test.rows();
        centreError /= test.rows();
        nll /= test.rows();
        System.out.printf("lattice: mean |reported log P - true log P| %.4f nats; density at the cell centre: %.4f%n",
                error, centreError);
        // the tolerance is the fit's estimation error (12,000 rows, 40 epochs), not the quadrature's
        assertTrue(error < 0.1, "mean error " + error);
        assertTrue(centreError > 1.0, "the centre density should be off by about log 4, got " + centreError);
        // the validation NLL is the mean of the same quantity
        assertEquals(nll, Trainer.validationNll(flow, test), 1e-4);
        assertEquals(-s.logLikelihood(0) / (2 * Math.log(2)), s.bitsPerDimension(0), 1e-9);
    }

    /** The quadrature against a 4,000-point midpoint integral of the same flow over the cell: within 5e-3 nats. */
    @Test
    void theGaussLegendreCellIntegralMatchesAFineRuleToFiveThousandthsOfANat() {
        Matrix probes = sample(6, 17);
        float[] ll = LatticeLikelihood.of(flow.schema()).logLikelihood(flow, probes.values(), probes.rows(), null);
        int points = 4000;
        double worst = 0;
        for (int i = 0; i < probes.rows(); i++) {
            float[] grid = new float[2 * points];
            for (int k = 0; k < points; k++) {
                grid[2 * k] = (float) (probes.get(i, 0) + STEP * ((k + 0.5) / points - 0.5));
                grid[2 * k + 1] = probes.get(i, 1);
            }
            float[] lp = Flows.logProb(flow, new Matrix(points, 2, grid));
            double sum = 0;
            for (float v : lp) {
                sum += Math.exp(v) * STEP / points;
            }
            worst = Math.max(worst, Math.abs(Math.log(sum) - ll[i]));
        }
        System.out.printf("lattice: Gauss-Legendre (%d nodes) vs 4000-point midpoint: worst %.2e nats%n",
                LatticeLikelihood.NODES, worst);
        assertTrue(worst < 5e-3, "worst " + worst);
    }

    /** Past the exact limit the cell-centre bound is reported, and named. */
    @Test
    void manyDiscreteFeaturesReportTheNamedDequantisationBound() {
        Matrix probes = sample(5, 23);
        LatticeLikelihood bound = LatticeLikelihood.of(flow.schema(), 0);
        assertEquals(LatticeLikelihood.Kind.DEQUANTIZATION_BOUND, bound.kind());
        float[] centre = Flows.logProb(flow, probes);
        float[] ll = bound.logLikelihood(flow, probes.values(), probes.rows(), centre);
        for (int i = 0; i < probes.rows(); i++) {
            assertEquals(centre[i] + Math.log(STEP), ll[i], 1e-5);
        }
    }
}
