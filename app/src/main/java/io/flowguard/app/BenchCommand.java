package io.flowguard.app;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import io.flowguard.model.train.TrainingReport;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Scoring and training throughput, set against the engine's own matrix-multiply rate measured in the same run:
 * the conditioner matmuls are the work, so {@code matmul GFLOP/s / FLOPs per event} bounds events/s.
 */
@Command(name = "bench", description = "Batched scoring and training throughput; the last stdout line is JSON.",
        subcommands = {StreamBenchCommand.class, SwapBenchCommand.class, FlinkBenchCommand.class,
            FamiliesBenchCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--features", defaultValue = "32", description = "Event dimension d.")
    int features;

    @Option(names = "--batch", defaultValue = "1024", description = "Events per scoring call.")
    int batch;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured scoring time.")
    double seconds;

    @Option(names = "--train-rows", defaultValue = "20000", description = "Rows for the training measurement.")
    int trainRows;

    @Option(names = "--train-epochs", defaultValue = "2", description = "Epochs for the training measurement.")
    int trainEpochs;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        var err = System.err;
        FlowSpec spec = model.spec(model.seed);
        Matrix data = gaussian(Math.max(trainRows, batch), features, 1);
        Map<String, Object> out = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(Devices.select(model.device))) {
            err.printf(Locale.ROOT, "bench on %s with %s%n", manager.getDevice(), Devices.describeEngine());
            double small = matmulGflops(manager, batch, spec.hiddenFeatures(), spec.hiddenFeatures(), 2.0);
            double large = matmulGflops(manager, 2048, 2048, 2048, 3.0);
            err.printf(Locale.ROOT, "matmul %dx%dx%d: %.1f GFLOP/s; 2048^3: %.1f GFLOP/s%n", batch,
                    spec.hiddenFeatures(), spec.hiddenFeatures(), small, large);

            Flow flow = FlowFactory.create(spec, FeatureSchema.fit(data, names(features), plain()), manager);
            Scorer scorer = new Scorer(flow, null, "bench");
            Matrix events = data.slice(0, batch);
            for (int i = 0; i < 20; i++) {
                scorer.score(events);
            }
            long scoredEvents = 0;
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            long nextReport = start + 2_000_000_000L;
            while (System.nanoTime() < deadline) {
                scorer.score(events);
                scoredEvents += batch;
                if (System.nanoTime() > nextReport) {
                    nextReport += 2_000_000_000L;
                    err.printf(Locale.ROOT, "  scoring: %,.0f ev/s so far%n", scoredEvents / ((System.nanoTime()
                            - start) / 1e9));
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            double eventsPerSecond = scoredEvents / elapsed;
            long flops = flow.flopsPerEvent();
            double achieved = eventsPerSecond * flops / 1e9;
            err.printf(Locale.ROOT, "scoring %s d=%d batch %d: %,.0f ev/s, %,d FLOP/event, %.1f GFLOP/s "
                    + "(%.0f%% of the %dx%dx%d matmul rate)%n", spec.kind(), features, batch, eventsPerSecond, flops,
                    achieved, 100 * achieved / small, batch, spec.hiddenFeatures(), spec.hiddenFeatures());

            Flow trained = FlowFactory.create(spec, FeatureSchema.fit(data, names(features), plain()), manager);
            TrainingReport report = new Trainer(TrainOptions.builder().optMaxEpochs(trainEpochs)
                    .optSeed(model.seed).build(), Progress.epochs(err, "  training ")).fit(trained,
                    data.slice(0, trainRows));
            err.printf(Locale.ROOT, "training: %,.0f ev/s (batch 512, forward + backward + AdamW)%n",
                    report.eventsPerSecond());

            out.put("model", spec.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
            out.put("layers", spec.layers());
            out.put("hidden", spec.hiddenFeatures());
            out.put("hidden_layers", spec.hiddenLayers());
            out.put("features", features);
            out.put("batch_size", batch);
            out.put("device", manager.getDevice().toString());
            out.put("engine", Devices.describeEngine());
            out.put("events_per_second", Math.round(eventsPerSecond));
            out.put("flops_per_event", flops);
            out.put("achieved_gflops", round(achieved));
            out.put("matmul_gflops_same_shape", round(small));
            out.put("matmul_peak_gflops", round(Math.max(small, large)));
            out.put("ceiling_events_per_second", Math.round(small * 1e9 / flops));
            out.put("ratio_to_ceiling", round(achieved / small));
            out.put("train_events_per_second", Math.round(report.eventsPerSecond()));
        }
        System.out.println(new Gson().toJson(out));
        return 0;
    }

    /** Best-of-rounds GFLOP/s of {@code [m,k] x [k,n]} on the engine, each round about a third of the budget. */
    static double matmulGflops(NDManager manager, int m, int k, int n, double budgetSeconds) {
        double best = 0;
        try (NDManager local = manager.newSubManager()) {
            NDArray a = local.randomNormal(new Shape(m, k));
            NDArray b = local.randomNormal(new Shape(k, n));
            for (int i = 0; i < 5; i++) {
                multiply(a, b);
            }
            for (int round = 0; round < 3; round++) {
                long iterations = 0;
                long start = System.nanoTime();
                long end = start + (long) (budgetSeconds / 3 * 1e9);
                while (System.nanoTime() < end) {
                    multiply(a, b);
                    iterations++;
                }
                double s = (System.nanoTime() - start) / 1e9;
                best = Math.max(best, 2.0 * m * k * n * iterations / s / 1e9);
            }
        }
        return best;
    }

    private static void multiply(NDArray a, NDArray b) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray c = a.matMul(b);
            c.getFloat(0, 0);
        }
    }

    static PreprocessingOptions plain() {
        return new PreprocessingOptions(PreprocessingOptions.HeavyTail.NEVER, false, 3, 20);
    }

    static String[] names(int d) {
        String[] names = new String[d];
        for (int i = 0; i < d; i++) {
            names[i] = "f" + i;
        }
        return names;
    }

    static Matrix gaussian(int rows, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[rows * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new Matrix(rows, d, v);
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
