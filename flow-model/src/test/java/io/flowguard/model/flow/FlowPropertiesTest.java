package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Global properties of whole flows: densities integrate to one (before and after training), samples come from the
 * density the model reports, and training is bit-for-bit reproducible from a seed, whatever the garbage collector
 * does with DJL's native handles meanwhile.
 */
class FlowPropertiesTest {

    private static final Matrix MIXTURE = KnownDensity.mixture2d().sample(4000, 11);

    static Stream<Arguments> kindsTrainedOrNot() {
        return Stream.of(FlowKind.MAF, FlowKind.NSF).flatMap(k -> Stream.of(Arguments.of(k, false),
                Arguments.of(k, true)));
    }

    /** A small flow fitted to {@code data}: randomised weights when untrained, a short fit otherwise. */
    private static Flow flow(FlowKind kind, Matrix data, boolean trained, NDManager manager) {
        Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(3).optHiddenFeatures(32).optSeed(5)
                .build(), data, manager);
        if (trained) {
            new Trainer(TrainOptions.builder().optMaxEpochs(25).optLearningRate(3e-3).optSeed(6).build(), s -> { })
                    .fit(flow, data);
        } else {
            Numerics.randomize(flow, 1.0, 7);
        }
        return flow;
    }

    /** Points of a regular grid over {@code [lo, hi]^d} with {@code points} per axis, row-major. */
    private static Matrix grid(int d, double lo, double hi, int points) {
        int n = (int) Math.pow(points, d);
        float[] v = new float[n * d];
        for (int i = 0; i < n; i++) {
            int rest = i;
            for (int j = d - 1; j >= 0; j--) {
                v[i * d + j] = (float) (lo + (hi - lo) * (rest % points) / (points - 1));
                rest /= points;
            }
        }
        return new Matrix(n, d, v);
    }

    /** Trapezoid weight of grid point {@code i} (products of 1/2 on the edges). */
    private static double trapezoidWeight(int i, int d, int points) {
        double w = 1;
        int rest = i;
        for (int j = 0; j < d; j++) {
            int k = rest % points;
            rest /= points;
            w *= k == 0 || k == points - 1 ? 0.5 : 1.0;
        }
        return w;
    }

    private static double[] integrate(Flow flow, int d, double lo, double hi, int points) {
        Matrix g = grid(d, lo, hi, points);
        float[] logProb = Flows.logProb(flow, g);
        double cell = Math.pow((hi - lo) / (points - 1), d);
        double mass = 0;
        double negEntropy = 0;
        for (int i = 0; i < logProb.length; i++) {
            double p = Math.exp(logProb[i]) * trapezoidWeight(i, d, points) * cell;
            mass += p;
            negEntropy += p * logProb[i];
        }
        return new double[] {mass, negEntropy};
    }

    @ParameterizedTest(name = "{0}, trained={1}")
    @MethodSource("kindsTrainedOrNot")
    void densityIntegratesToOneInOneDimension(FlowKind kind, boolean trained) {
        Matrix data = MIXTURE.selectColumns(new int[] {0});
        try (NDManager manager = NDManager.newBaseManager()) {
            double mass = integrate(flow(kind, data, trained, manager), 1, -25, 25, 50001)[0];
            assertEquals(1.0, mass, 1e-2, kind + " 1-D mass");
        }
    }

    @ParameterizedTest(name = "{0}, trained={1}")
    @MethodSource("kindsTrainedOrNot")
    void densityIntegratesToOneInTwoDimensions(FlowKind kind, boolean trained) {
        try (NDManager manager = NDManager.newBaseManager()) {
            double mass = integrate(flow(kind, MIXTURE, trained, manager), 2, -14, 14, 701)[0];
            assertEquals(1.0, mass, 1e-2, kind + " 2-D mass");
        }
    }

    /**
     * The mean log-density of the model's own samples estimates {@code -H(q)}; the grid gives {@code -H(q)}
     * independently. Each sample's path log-density must also equal logProb re-evaluated on the sample.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.flowguard.model.flow.FlowPropertiesTest#kindsWithSampling")
    void samplesComeFromTheReportedDensity(FlowKind kind) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = flow(kind, MIXTURE, true, manager);
            int n = 40000;
            Sample sample = flow.sample(n, 99);
            float[] again = Flows.logProb(flow, sample.events());
            assertTrue(Numerics.maxAbsDiff(sample.logProb(), again) < 2e-3,
                    "path log-density vs logProb: " + Numerics.maxAbsDiff(sample.logProb(), again));
            double mean = Flows.mean(again);
            double var = 0;
            for (float v : again) {
                var += (v - mean) * (v - mean);
            }
            double standardError = Math.sqrt(var / (n - 1) / n);
            double[] massAndNegEntropy = integrate(flow, 2, -14, 14, 701);
            double gridEstimate = massAndNegEntropy[1] / massAndNegEntropy[0];
            System.out.printf("sample/logProb %s: mean logProb of samples %.4f, grid -H %.4f, s.e. %.4f%n", kind,
                    mean, gridEstimate, standardError);
            assertEquals(gridEstimate, mean, 4 * standardError + 5e-3);
        }
    }

    static Stream<FlowKind> kindsWithSampling() {
        return Stream.of(FlowKind.MAF, FlowKind.NSF, FlowKind.NSF_COUPLING, FlowKind.NICE, FlowKind.REALNVP,
                FlowKind.GLOW, FlowKind.IAF);
    }

    private static float[] trainAndDump(FlowKind kind, Matrix data, boolean collectGarbage) {
        AtomicBoolean stop = new AtomicBoolean();
        Thread storm = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                Thread.onSpinWait();
            }
        });
        storm.setDaemon(true);
        if (collectGarbage) {
            storm.start();
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(2).optHiddenFeatures(16).optSeed(3)
                    .build(), data, manager);
            new Trainer(TrainOptions.builder().optMaxEpochs(3).optBatchSize(128).optSeed(4).build(), s -> { })
                    .fit(flow, data);
            java.util.List<float[]> parts = new java.util.ArrayList<>();
            int total = 0;
            for (Pair<String, Parameter> p : flow.getParameters()) {
                float[] v = p.getValue().getArray().toFloatArray();
                parts.add(v);
                total += v.length;
            }
            float[] all = new float[total];
            int at = 0;
            for (float[] v : parts) {
                System.arraycopy(v, 0, all, at, v.length);
                at += v.length;
            }
            return all;
        } finally {
            stop.set(true);
        }
    }

    /**
     * Same seed, same data: identical weights, also while another thread forces garbage collections (DJL frees
     * native tensors from finalisers; a tensor freed while autograd still needs it would show up here).
     */
    @Test
    void trainingIsReproducibleFromTheSeedUnderGarbageCollection() {
        Matrix data = KnownDensity.mixture5d().sample(2000, 1);
        for (FlowKind kind : new FlowKind[] {FlowKind.MAF, FlowKind.NSF}) {
            float[] calm = trainAndDump(kind, data, false);
            float[] stormy = trainAndDump(kind, data, true);
            assertTrue(Numerics.allFinite(calm), kind + " weights finite");
            assertArrayEquals(calm, stormy, kind + " weights differ between runs");
        }
    }
}
