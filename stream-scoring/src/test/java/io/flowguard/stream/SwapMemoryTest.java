package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.TrainingWindow;
import io.flowguard.model.checkpoint.ValidationMetrics;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.score.Scorer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot swaps do not leak: 200 times, load the same checkpoint afresh, score a batch under a lease on the serving model
 * while the new one is swapped in, and let the slot free the old one when the batch ends. Resident memory must stay
 * flat.
 *
 * <p>Two choices keep the test able to fail and unlikely to fail by chance. The model is small but not tiny (16
 * features, 3 layers of 2 x 256 units, a 1 MB checkpoint): a model that is never freed then costs about 2 MB of RSS
 * per swap, 350 MB over the run (checked by passing a null owner to the swap), far above the bound; a 4-feature toy
 * would leak less than the allocator's noise. And RSS is compared as floors, the least value over the first and the
 * last 40 swaps after warm-up: the native allocator keeps freed blocks for a while, so single readings wander by
 * about 100 MB without any trend (measured over 600 swaps), while a leak lifts the floor itself.
 */
class SwapMemoryTest {

    private static final int SWAPS = 200;
    private static final int WARM_UP = 20;
    private static final int FLOOR_SWAPS = 40;
    private static final long MAX_GROWTH_MB = 64;
    private static final int FEATURES = 16;

    @TempDir
    Path dir;

    private static Matrix gaussian(int rows, int cols, long seed) {
        Random random = new Random(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return new Matrix(rows, cols, v);
    }

    /** VmRSS of this JVM, in MB. */
    private static long rssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IllegalStateException("expected a VmRSS line in /proc/self/status, got none");
    }

    private Path saveCheckpoint(Matrix data) {
        Path file = dir.resolve("small.fgck");
        String[] names = new String[FEATURES];
        for (int k = 0; k < FEATURES; k++) {
            names[k] = "x" + k;
        }
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Flow flow = FlowFactory.create(FlowSpec.builder().setKind(FlowKind.MAF).optLayers(3)
                    .optHiddenFeatures(256).optSeed(3).build(), FeatureSchema.fit(data, names,
                    PreprocessingOptions.defaults()), manager);
            float[] ll = new Scorer(flow, null, "unsaved").score(data).logLikelihoods();
            Checkpoints.save(file, flow, Checkpoints.manifest(flow, new TrainingWindow("test", data.rows(), 0, null,
                    null), new ValidationMetrics(5, 5, 0, 0, 0, "untrained"), Calibration.fit(ll)));
        }
        return file;
    }

    @Test
    void twoHundredSwapsKeepResidentMemoryFlat() throws IOException {
        Matrix data = gaussian(2000, FEATURES, 1);
        Matrix batch = data.slice(0, 512);
        Path file = saveCheckpoint(data);
        long[] rss = new long[SWAPS - WARM_UP];
        LoadedModel first = Checkpoints.load(file, Device.cpu());
        try (ModelSlot slot = new ModelSlot(first.scorer(), first)) {
            for (int i = 1; i <= SWAPS; i++) {
                LoadedModel next = Checkpoints.load(file, Device.cpu());
                try (ModelSlot.Lease lease = slot.acquire()) {
                    slot.swap(next.scorer(), next); // the leased model is freed when this batch ends
                    assertEquals(batch.rows(), lease.scorer().score(batch).size());
                    assertEquals(2, slot.liveModels(), "during batch " + i);
                }
                assertEquals(1, slot.liveModels(), "after swap " + i);
                if (i > WARM_UP) {
                    System.gc(); // heap garbage (the checkpoint bytes read each time) is not what is measured
                    rss[i - WARM_UP - 1] = rssMb();
                }
            }
            long start = Arrays.stream(rss, 0, FLOOR_SWAPS).min().orElseThrow();
            long end = Arrays.stream(rss, rss.length - FLOOR_SWAPS, rss.length).min().orElseThrow();
            System.out.println("RSS start " + start + " MB end " + end + " MB over " + SWAPS + " swaps (floors of "
                    + FLOOR_SWAPS + " swaps after " + WARM_UP + " of warm-up; last reading " + rss[rss.length - 1]
                    + " MB)");
            assertTrue(end - start < MAX_GROWTH_MB, "RSS floor grew from " + start + " MB to " + end + " MB over "
                    + (SWAPS - WARM_UP) + " swaps");
            assertEquals(1, slot.liveModels());
        }
    }
}
