package io.flowguard.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FeatureKind;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.support.Flows;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrainingTest {

    @Test
    void warmUpThenCosineDecayReachesTheFloor() {
        LearningRateSchedule s = new LearningRateSchedule(LearningRateSchedule.Kind.COSINE, 1e-3, 10, 110, 0.01, 1);
        assertEquals(1e-4, s.at(0), 1e-12);
        assertEquals(1e-3, s.at(9), 1e-12);
        assertEquals(0.5 * (1e-3 + 1e-5), s.at(60), 1e-9);
        assertEquals(1e-5, s.at(110), 1e-12);
        assertEquals(1e-5, s.at(500), 1e-12);
        LearningRateSchedule p = new LearningRateSchedule(LearningRateSchedule.Kind.POLYNOMIAL, 1.0, 0, 100, 0, 2);
        assertEquals(0.25, p.at(50), 1e-12);
        for (int step = 11; step < 110; step++) {
            assertTrue(s.at(step) <= s.at(step - 1), "monotone decay at " + step);
        }
    }

    @Test
    void smallDataGetsSmallerBatchesSoThatEpochsHaveSteps() {
        assertEquals(512, Trainer.effectiveBatch(512, 100_000));
        assertEquals(62, Trainer.effectiveBatch(512, 1000));
        assertEquals(32, Trainer.effectiveBatch(512, 100));
        assertEquals(20, Trainer.effectiveBatch(512, 20));
    }

    @Test
    void latticeFeaturesAreRecognisedAndDequantisedWithTheirStep() {
        SplittableRandom r = new SplittableRandom(2);
        int n = 3000;
        float[] v = new float[n * 3];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(6);
            v[3 * i] = k;
            v[3 * i + 1] = (float) ((k - 2.5) / 1.7);
            v[3 * i + 2] = (float) r.nextGaussian();
        }
        FeatureSchema schema = FeatureSchema.fit(new Matrix(n, 3, v), new String[] {"count", "scaled", "gauss"},
                PreprocessingOptions.defaults());
        assertEquals(FeatureKind.DISCRETE, schema.get(0).kind());
        assertEquals(1f, schema.get(0).quantum(), 1e-6);
        assertEquals(FeatureKind.DISCRETE, schema.get(1).kind());
        assertEquals(1 / 1.7, schema.get(1).quantum(), 1e-5);
        assertEquals(FeatureKind.CONTINUOUS, schema.get(2).kind());
        assertEquals(0f, schema.get(2).quantum());
    }

    /**
     * A discrete feature dequantised by its step: the reported log-likelihood is the log-probability of each value's
     * lattice cell, so with a uniform die the NLL per event approaches log(6), whatever the step, and the validation
     * NLL is the same quantity.
     */
    @Test
    void aDequantisedDieHasTheEntropyOfADie() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 6000;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextInt(6) - 2.5) * 0.5);
        }
        Matrix data = new Matrix(n, 1, v);
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = io.flowguard.model.flow.FlowFactory.create(FlowSpec.builder().setKind(FlowKind.NSF)
                    .optLayers(2).optHiddenFeatures(16).optSeed(1).build(), FeatureSchema.fit(data,
                    new String[] {"die"}, PreprocessingOptions.defaults()), manager);
            new Trainer(TrainOptions.builder().optMaxEpochs(25).optLearningRate(3e-3).optSeed(2).build(), s -> { })
                    .fit(flow, data);
            float[] ll = new io.flowguard.model.score.Scorer(flow, null, "v").score(data).logLikelihoods();
            double nll = -Flows.mean(ll);
            assertEquals(Math.log(6), nll, 0.05, "NLL of the lattice cells");
            assertEquals(nll, Trainer.validationNll(flow, data), 1e-4);
        }
    }

    /**
     * Trimmed likelihood: with 5% of the training rows far away from the rest, leaving each batch's least likely
     * 10% out of the loss keeps the model from spending mass on them, so they score lower than under plain maximum
     * likelihood while the bulk is fitted just as well.
     */
    @Test
    void trimmedLikelihoodIgnoresContamination() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 4000;
        float[] v = new float[n * 2];
        for (int i = 0; i < n; i++) {
            boolean outlier = i % 20 == 0;
            double a = r.nextGaussian();
            v[2 * i] = (float) (outlier ? 6 + 0.3 * r.nextGaussian() : a);
            v[2 * i + 1] = (float) (outlier ? -6 + 0.3 * r.nextGaussian() : 0.8 * a + 0.6 * r.nextGaussian());
        }
        Matrix data = new Matrix(n, 2, v);
        Matrix outliers = new Matrix(1, 2, new float[] {6, -6});
        Matrix bulk = new Matrix(1, 2, new float[] {0.5f, 0.4f});
        double[][] logProb = new double[2][];
        for (int t = 0; t < 2; t++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Flow flow = Flows.build(FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(16)
                        .optSeed(1).build(), data, manager);
                new Trainer(TrainOptions.builder().optMaxEpochs(15).optLearningRate(3e-3).optTrimFraction(t * 0.1)
                        .optSeed(2).build(), s -> { }).fit(flow, data);
                logProb[t] = new double[] {Flows.logProb(flow, outliers)[0], Flows.logProb(flow, bulk)[0]};
            }
        }
        assertTrue(logProb[1][0] < logProb[0][0] - 3, "outlier log p: plain " + logProb[0][0] + ", trimmed "
                + logProb[1][0]);
        assertEquals(logProb[0][1], logProb[1][1], 0.5, "bulk log p");
    }

    @Test
    void constantFeaturesKeepDensitiesFinite() {
        SplittableRandom r = new SplittableRandom(4);
        int n = 2000;
        float[] v = new float[n * 3];
        for (int i = 0; i < n; i++) {
            v[3 * i] = (float) r.nextGaussian();
            v[3 * i + 1] = 7.25f;
            v[3 * i + 2] = (float) r.nextGaussian();
        }
        Matrix data = new Matrix(n, 3, v);
        List<EpochStats> history = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = Flows.build(FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(16)
                    .build(), data, manager);
            assertEquals(FeatureKind.CONSTANT, flow.schema().get(1).kind());
            TrainingReport report = new Trainer(TrainOptions.builder().optMaxEpochs(5).build(), history::add)
                    .fit(flow, data);
            assertEquals(5, history.size());
            assertEquals(0, report.skippedSteps());
            float[] atConstant = Flows.logProb(flow, data.slice(0, 10));
            Matrix moved = new Matrix(1, 3, new float[] {0, 7.5f, 0});
            float[] off = Flows.logProb(flow, moved);
            for (float x : atConstant) {
                assertTrue(Float.isFinite(x), "finite density at the constant");
            }
            assertTrue(Float.isFinite(off[0]) && off[0] < Flows.mean(atConstant), "lower, finite density off it");
        }
    }
}
