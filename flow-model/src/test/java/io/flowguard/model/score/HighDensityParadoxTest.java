package io.flowguard.model.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.AlertPolicy.Rule;
import io.flowguard.model.score.AlertPolicy.Verdict;
import io.flowguard.model.support.Flows;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The high-density out-of-distribution paradox (Nalisnick et al., ICLR 2019) reproduced on a trained MAF: a
 * constant vector at the training mean and a low-variance cloud around it get a <em>higher</em> log-likelihood than
 * held-out normal data, so the plain low-density rule cannot flag them; the guards do, while the false-alarm rate
 * on held-out normal data stays at the target.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HighDensityParadoxTest {

    private static final int D = 8;
    private NDManager manager;
    private ModelFitter.Fitted fitted;
    private float[] mean;
    private float[] sd;

    /** Correlated Gaussian rows: x = A u with a fixed lower-triangular A, shifted. */
    private static Matrix data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * D];
        for (int i = 0; i < n; i++) {
            double[] u = new double[D];
            for (int j = 0; j < D; j++) {
                u[j] = r.nextGaussian();
            }
            for (int j = 0; j < D; j++) {
                double x = 10 * (j + 1);
                for (int k = 0; k <= j; k++) {
                    x += (k == j ? 1.0 : 0.6 / (1 + j - k)) * u[k] * (1 + 0.5 * j);
                }
                v[i * D + j] = (float) x;
            }
        }
        return new Matrix(n, D, v);
    }

    @BeforeAll
    void train() {
        manager = NDManager.newBaseManager();
        Matrix train = data(30_000, 1);
        fitted = ModelFitter.fit(train, Flows.names(D), FlowSpec.builder().setKind(FlowKind.MAF).optLayers(3)
                        .optHiddenFeatures(32).optSeed(2).build(), PreprocessingOptions.defaults(),
                TrainOptions.builder().optMaxEpochs(40).optPatience(8).optSeed(3).build(), s -> { }, manager,
                "correlated gaussian");
        mean = new float[D];
        sd = new float[D];
        for (int j = 0; j < D; j++) {
            double s = 0;
            double ss = 0;
            for (int i = 0; i < train.rows(); i++) {
                double x = train.values()[i * D + j];
                s += x;
                ss += x * x;
            }
            mean[j] = (float) (s / train.rows());
            sd[j] = (float) Math.sqrt(ss / train.rows() - mean[j] * mean[j]);
        }
    }

    @org.junit.jupiter.api.AfterAll
    void close() {
        manager.close();
    }

    private static double mean(ScoreBatch b) {
        double s = 0;
        for (int i = 0; i < b.size(); i++) {
            s += b.logLikelihood(i);
        }
        return s / b.size();
    }

    /** Share of the batch flagged when its events arrive in order as one stream (one key). */
    private static double flagged(ScoreBatch b, Thresholds t) {
        return (double) java.util.Arrays.stream(t.decideAll(b, null, "m")).filter(Decision::alert).count() / b.size();
    }

    @Test
    void theModeAndALowVarianceCloudAreMoreLikelyThanRealDataAndOnlyTheGuardsFlagThem() {
        Scorer scorer = fitted.scorer();
        ScoreBatch normal = scorer.score(data(20_000, 9));
        float[] constant = new float[500 * D];
        float[] cloud = new float[2000 * D];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 2000; i++) {
            for (int j = 0; j < D; j++) {
                if (i < 500) {
                    constant[i * D + j] = mean[j];
                }
                cloud[i * D + j] = (float) (mean[j] + 0.05 * sd[j] * r.nextGaussian());
            }
        }
        ScoreBatch atMean = scorer.score(new Matrix(500, D, constant));
        ScoreBatch lowVariance = scorer.score(new Matrix(2000, D, cloud));
        System.out.printf("paradox: mean log p held-out normal %.3f, constant at the mean %.3f, low-variance cloud "
                + "%.3f%n", mean(normal), mean(atMean), mean(lowVariance));
        // (a), (b): more likely than the real data...
        assertTrue(mean(atMean) > mean(normal) + 2, "constant at the mean: " + mean(atMean));
        assertTrue(mean(lowVariance) > mean(normal) + 2, "low-variance cloud: " + mean(lowVariance));
        for (double rate : new double[] {1e-4, 1e-2}) {
            Thresholds plain = new AlertPolicy(rate, Rule.PLAIN).thresholds(fitted.calibration(), D);
            Thresholds guarded = new AlertPolicy(rate, Rule.GUARDED).thresholds(fitted.calibration(), D);
            // ...so the low-density rule misses them, the guards catch them.
            assertEquals(0.0, flagged(atMean, plain));
            assertEquals(0.0, flagged(lowVariance, plain));
            assertTrue(flagged(atMean, guarded) >= 0.99, "guarded on the constant: " + flagged(atMean, guarded));
            assertTrue(flagged(lowVariance, guarded) >= 0.99, "guarded on the cloud: " + flagged(lowVariance, guarded));
            assertEquals(Verdict.HIGH_DENSITY_ATYPICAL, guarded.judge(atMean.logLikelihood(0),
                    atMean.latentSquaredNorm(0)));
        }
    }

    @Test
    void theFalseAlarmRateOnHeldOutNormalDataStaysAtTheTarget() {
        ScoreBatch normal = fitted.scorer().score(data(40_000, 10));
        long calibrated = fitted.calibration().events();
        for (Rule rule : Rule.values()) {
            double rate = 0.01;
            double observed = flagged(normal, new AlertPolicy(rate, rule).thresholds(fitted.calibration(), D));
            double tolerance = 4 * Math.sqrt(rate * (1 - rate) * (1.0 / normal.size() + 1.0 / calibrated));
            System.out.printf("paradox: %s rule, target %.3f, observed %.4f on held-out normal data (+- %.4f)%n",
                    rule, rate, observed, tolerance);
            assertTrue(Math.abs(observed - rate) < tolerance, rule + ": observed " + observed);
        }
    }
}
