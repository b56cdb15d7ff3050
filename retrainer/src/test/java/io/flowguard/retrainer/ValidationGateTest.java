package io.flowguard.retrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.nn.Tensors;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.TrainingListener;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The validation gate on two small MAFs, one fitted to N(0, I) in 2-D (the holdout's distribution) and one to
 * N(3, I): the better model of the holdout passes, the worse one is refused on NLL, a planted NaN and a wrong
 * calibration are refused too.
 */
class ValidationGateTest {

    private static final double SHIFT = 3;
    private static NDManager manager;
    private static Scorer matching;
    private static Scorer shifted;
    private static Matrix holdout;

    /** Rows of N(mean * 1, I) in two dimensions. */
    private static Matrix gaussian(int rows, double mean, long seed) {
        Random random = new Random(seed);
        float[] v = new float[rows * 2];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + random.nextGaussian());
        }
        return new Matrix(rows, 2, v);
    }

    private static Scorer fit(Matrix data, String version) {
        FlowSpec spec = FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(16).optSeed(1).build();
        ModelFitter.Fitted fitted = ModelFitter.fit(data, new String[] {"x0", "x1"}, spec,
                PreprocessingOptions.defaults(), TrainOptions.builder().optMaxEpochs(20).optSeed(1).build(),
                TrainingListener.silent(), manager, "test");
        return new Scorer(fitted.flow(), fitted.calibration(), version);
    }

    @BeforeAll
    static void fitBoth() {
        manager = NDManager.newBaseManager(Device.cpu());
        matching = fit(gaussian(3000, 0, 1), "matching");
        shifted = fit(gaussian(3000, SHIFT, 2), "shifted");
        holdout = gaussian(2000, 0, 3);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static ValidationGate gate() {
        return new ValidationGate(AlertPolicy.defaults(), 0.05, 2);
    }

    @Test
    void aCandidateOfTheHoldoutsDistributionBeatsAShiftedServingModel() {
        GateVerdict v = gate().judge(matching, shifted, holdout);
        assertTrue(v.approved(), v.reason());
        double candidate = v.metrics().get("candidate_nll");
        double serving = v.metrics().get("serving_nll");
        // N(0, I) in 2-D has entropy log(2 pi e) = 2.84 nats; a model of N(3, I) pays about 9 nats more
        assertEquals(Math.log(2 * Math.PI * Math.E), candidate, 0.15);
        assertTrue(serving > candidate + 5, "serving NLL " + serving + ", candidate " + candidate);
        assertTrue(v.metrics().get("round_trip_error") <= ValidationGate.ROUND_TRIP_TOLERANCE);
        assertEquals(2000.0, v.metrics().get("holdout_events"));
        assertTrue(v.reason().startsWith("holdout NLL "), v.reason());
    }

    @Test
    void withNothingServingAGoodCandidateIsApproved() {
        GateVerdict v = gate().judge(matching, null, holdout);
        assertTrue(v.approved(), v.reason());
        assertTrue(v.reason().contains("(nothing serving)"), v.reason());
        assertFalse(v.metrics().containsKey("serving_nll"));
    }

    @Test
    void aCandidateWorseThanTheServingModelByMoreThanTheMarginIsRejected() {
        GateVerdict v = gate().judge(shifted, matching, holdout);
        assertFalse(v.approved());
        assertTrue(v.reason().contains("NLL") && v.reason().contains("margin 0.1000"), v.reason());
        assertTrue(v.reason().startsWith("candidate NLL "), v.reason());
        assertTrue(v.metrics().get("candidate_nll") > v.metrics().get("serving_nll") + 0.1);
    }

    @Test
    void aCandidateWithANonFiniteParameterIsRejected() {
        List<Pair<String, Parameter>> parameters = matching.flow().getParameters().stream()
                .filter(p -> p.getValue().getArray() != null).toList();
        Pair<String, Parameter> last = parameters.get(parameters.size() - 1);
        NDArray array = last.getValue().getArray();
        float[] saved = array.toFloatArray();
        float[] planted = saved.clone();
        planted[planted.length / 2] = Float.NaN;
        Tensors.assign(array, planted);
        try {
            GateVerdict v = gate().judge(matching, shifted, holdout);
            assertFalse(v.approved());
            assertEquals("parameter " + last.getKey() + " is not finite", v.reason());
            assertEquals(last.getKey(), ValidationGate.nonFinite(matching.flow()));
        } finally {
            Tensors.assign(array, saved);
        }
        assertEquals(null, ValidationGate.nonFinite(matching.flow()));
    }

    private static Calibration calibrationShiftedBy(Flow flow, double nats) {
        float[] ll = new Scorer(flow, null, "raw").score(gaussian(3000, 0, 4)).logLikelihoods();
        for (int i = 0; i < ll.length; i++) {
            ll[i] += (float) nats;
        }
        return Calibration.fit(ll);
    }

    @Test
    void aCalibrationThatExpectsTooHighLikelihoodsGivesTooManyAlerts() {
        Flow flow = matching.flow();
        Scorer wrong = new Scorer(flow, calibrationShiftedBy(flow, 5), "v");
        GateVerdict v = gate().judge(wrong, null, holdout);
        assertFalse(v.approved());
        assertTrue(v.reason().contains("alerts on 2000 holdout events") && v.reason().contains("under 2x the target"),
                v.reason());
        assertTrue(v.metrics().get("holdout_alerts") >= 5, "alerts " + v.metrics().get("holdout_alerts"));
    }

    /**
     * A plain 5 % policy expects 100 alerts on 2,000 events and refuses fewer than about 30 (P(Bin(2000, 2.5 %) <= k)
     * < 1e-3): the right calibration gets about 100, one 5 nats too low a handful at most.
     */
    @Test
    void aCalibrationThatExpectsTooLowLikelihoodsGivesTooFewAlerts() {
        ValidationGate plain = new ValidationGate(new AlertPolicy(0.05, AlertPolicy.Rule.PLAIN), 0.05, 2);
        Flow flow = matching.flow();
        GateVerdict right = plain.judge(new Scorer(flow, calibrationShiftedBy(flow, 0), "v"), null, holdout);
        assertTrue(right.approved(), right.reason());
        GateVerdict low = plain.judge(new Scorer(flow, calibrationShiftedBy(flow, -5), "v"), null, holdout);
        assertFalse(low.approved(), low.reason());
        assertTrue(low.reason().contains("under 1/2 of it"), low.reason());
        assertTrue(low.metrics().get("holdout_alerts") < 10, "alerts " + low.metrics().get("holdout_alerts"));
        assertEquals(100.0, low.metrics().get("expected_alerts"), 1e-9);
    }

    @Test
    void aHoldoutOfFewerThanTenEventsIsRejected() {
        GateVerdict v = gate().judge(matching, shifted, holdout.slice(0, 9));
        assertFalse(v.approved());
        assertEquals("expected a holdout of at least 10 events, got 9", v.reason());
    }
}
