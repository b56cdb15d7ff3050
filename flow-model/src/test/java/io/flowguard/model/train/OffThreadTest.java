package io.flowguard.model.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.support.Flows;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training, loading and scoring on threads other than the one that started the engine, as the retrainer's refit
 * thread and the scorer's release follower do. PyTorch's grad mode is per thread and on by default in new threads,
 * where an in-place write into a parameter that requires grad used to fail.
 */
class OffThreadTest {

    @TempDir
    Path dir;

    private static Matrix data(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n * 2];
        for (int i = 0; i < n; i++) {
            v[2 * i] = (float) r.nextGaussian();
            v[2 * i + 1] = (float) (0.5 * v[2 * i] + r.nextGaussian());
        }
        return new Matrix(n, 2, v);
    }

    private static void onNewThread(ThrowingRunnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("failed off the main thread: " + failure.get(), failure.get());
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void fitsSavesLoadsAndScoresOnFreshThreads() throws Exception {
        Path file = dir.resolve("m.fgck");
        FlowSpec spec = FlowSpec.builder().setKind(FlowKind.MAF).optLayers(2).optHiddenFeatures(8).optSeed(1).build();
        onNewThread(() -> {
            try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
                ModelFitter.Fitted fitted = ModelFitter.fit(data(1500, 1), Flows.names(2), spec,
                        PreprocessingOptions.defaults(), TrainOptions.builder().optMaxEpochs(3).optSeed(2).build(),
                        TrainingListener.silent(), manager, "off-thread test");
                Checkpoints.save(file, fitted.flow(), fitted.manifest());
                ModelFitter.Fitted warm = ModelFitter.refit(fitted.flow(), data(1500, 3), null,
                        TrainOptions.builder().optMaxEpochs(2).optSeed(4).build(), TrainingListener.silent(),
                        manager, "warm start");
                assertTrue(Double.isFinite(warm.report().bestValidationNll()));
            }
        });
        onNewThread(() -> {
            try (LoadedModel model = Checkpoints.load(file, Device.cpu())) {
                ScoreBatch scores = model.scorer().score(data(100, 5));
                assertEquals(100, scores.size());
                for (var p : model.flow().getParameters()) {
                    assertTrue(!p.getValue().getArray().hasGradient(), "loaded models do not track gradients");
                }
            }
        });
    }
}
