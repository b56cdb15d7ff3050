package io.flowguard.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints: exact round trips for every flow kind, a committed version-1 file that must keep loading to the same
 * densities, and clear refusals of corrupt, truncated, foreign, future and incompatible files.
 */
class CheckpointTest {

    private static final Matrix DATA = KnownDensity.mixture5d().sample(3000, 21);
    private static final Matrix PROBE = KnownDensity.mixture5d().sample(257, 22);

    @TempDir
    Path dir;

    private static Flow randomFlow(FlowKind kind, NDManager manager) {
        Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(2).optHiddenFeatures(24).optSeed(8)
                .build(), DATA, manager);
        Numerics.randomize(flow, 1.0, 9);
        return flow;
    }

    private static Manifest manifest(Flow flow) {
        return Checkpoints.manifest(flow, new TrainingWindow("test", 2550, 450, "2026-11-01T00:00:00Z",
                "2026-11-02T00:00:00Z"), new ValidationMetrics(6.5, 6.4, 12, 20, 3.5, "early-stop"),
                Calibration.fit(Flows.logProb(flow, PROBE)));
    }

    @ParameterizedTest
    @MethodSource("io.flowguard.model.support.Families#built")
    void aSavedFlowLoadsToTheSameDensities(FlowKind kind) throws IOException {
        Path file = dir.resolve(kind + ".fgck");
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = randomFlow(kind, manager);
            float[] before = Flows.logProb(flow, PROBE);
            StoredCheckpoint saved = Checkpoints.save(file, flow, manifest(flow));
            try (LoadedModel loaded = Checkpoints.load(file, Device.cpu())) {
                float[] after = Flows.logProb(loaded.flow(), PROBE);
                assertTrue(Numerics.maxAbsDiff(before, after) <= 1e-6, "max diff " + Numerics.maxAbsDiff(before,
                        after));
                Manifest m = loaded.manifest();
                assertEquals(flow.spec(), m.spec());
                assertEquals(flow.schema(), m.schema());
                assertEquals(saved.sha256(), loaded.sha256());
                assertEquals(CheckpointIdentity.sha256Hex(Files.readAllBytes(file)), saved.sha256());
                assertEquals(Files.size(file), saved.bytes());
                assertEquals(file.toAbsolutePath().toUri().toString(), saved.uri());
                assertEquals(64, m.payloadSha256().length());
                assertEquals("early-stop", m.validation().stopReason());
                assertEquals(manifest(flow).calibration().mean(), m.calibration().mean(), 1e-12);
                assertEquals(m.payloadSha256().substring(0, 12), m.parametersVersion());
                assertEquals(saved.sha256().substring(0, 16), loaded.version());
                assertEquals(loaded.version(), loaded.scorer().modelVersion());
                assertEquals(loaded.version(), Checkpoints.version(file));
            }
        }
    }

    /**
     * {@code golden/maf-v1.fgck} was written by format version 1 (regenerate with
     * {@code -Dflowguard.golden.write=true} only when the format version changes); its densities on fixed inputs are
     * in {@code golden/maf-v1.json}. Every later build must read it to the same numbers.
     */
    @Test
    void theCommittedVersionOneCheckpointStillLoads() throws IOException {
        Path file = dir.resolve("golden.fgck");
        if (Boolean.getBoolean("flowguard.golden.write")) {
            writeGolden();
        }
        try (InputStream in = getClass().getResourceAsStream("/golden/maf-v1.fgck")) {
            Files.write(file, in.readAllBytes());
        }
        Golden golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/maf-v1.json")) {
            golden = new Gson().fromJson(new InputStreamReader(in, StandardCharsets.UTF_8), Golden.class);
        }
        try (LoadedModel loaded = Checkpoints.load(file, Device.cpu())) {
            assertEquals(1, loaded.manifest().formatVersion());
            float[] logProb = Flows.logProb(loaded.flow(), new Matrix(golden.rows, golden.cols, golden.inputs));
            assertTrue(Numerics.maxAbsDiff(golden.logProb, logProb) < 1e-4,
                    "golden densities moved by " + Numerics.maxAbsDiff(golden.logProb, logProb));
        }
    }

    /** The golden fixture's JSON. */
    static final class Golden {
        int rows;
        int cols;
        float[] inputs;
        float[] logProb;
    }

    private static void writeGolden() throws IOException {
        Path resources = Path.of("src/test/resources/golden");
        Files.createDirectories(resources);
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = randomFlow(FlowKind.MAF, manager);
            Checkpoints.save(resources.resolve("maf-v1.fgck"), flow, manifest(flow));
            Matrix probe = PROBE.slice(0, 16);
            Golden g = new Golden();
            g.rows = probe.rows();
            g.cols = probe.cols();
            g.inputs = probe.values();
            g.logProb = Flows.logProb(flow, probe);
            Files.writeString(resources.resolve("maf-v1.json"), new Gson().toJson(g));
        }
    }

    private Path saved() {
        Path file = dir.resolve("model.fgck");
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = randomFlow(FlowKind.NSF, manager);
            Checkpoints.save(file, flow, manifest(flow));
        }
        return file;
    }

    private static String refusal(Path file) {
        return assertThrows(CheckpointException.class, () -> Checkpoints.load(file, Device.cpu())).getMessage();
    }

    @Test
    void aFlippedPayloadByteIsRefusedAsCorrupt() throws IOException {
        Path file = saved();
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 100] ^= 0x10;
        Files.write(file, bytes);
        String message = refusal(file);
        assertTrue(message.contains("corrupt") && message.contains("SHA-256"), message);
        assertTrue(message.startsWith(file.toString()), message);
    }

    @Test
    void aTruncatedFileIsRefusedAsTruncated() throws IOException {
        Path file = saved();
        byte[] bytes = Files.readAllBytes(file);
        for (int keep : new int[] {5, 20, bytes.length / 2, bytes.length - 1}) {
            Files.write(file, Arrays.copyOf(bytes, keep));
            String message = refusal(file);
            assertTrue(message.contains("truncated"), keep + " bytes: " + message);
        }
    }

    @Test
    void aFileThatIsNotACheckpointOrFromTheFutureIsRefused() throws IOException {
        Path file = saved();
        byte[] bytes = Files.readAllBytes(file);
        byte[] future = bytes.clone();
        ByteBuffer.wrap(future).putInt(8, 2);
        Files.write(file, future);
        assertTrue(refusal(file).contains("unsupported checkpoint format version 2"), refusal(file));
        Files.writeString(file, "row,x0\n1,2\n".repeat(10));
        assertTrue(refusal(file).contains("not a FlowGuard checkpoint"), refusal(file));
        assertTrue(refusal(dir.resolve("missing.fgck")).contains("no such checkpoint file"));
    }

    @Test
    void parametersThatDoNotFitTheManifestAreRefusedAsIncompatible() {
        Path file = saved();
        FlowState state = CheckpointCodec.read(file);
        Manifest m = state.manifest();
        FlowSpec wider = FlowSpec.builder().setKind(m.spec().kind()).optLayers(m.spec().layers())
                .optHiddenFeatures(m.spec().hiddenFeatures() * 2).optSeed(m.spec().seed()).build();
        Manifest changed = new Manifest(m.formatVersion(), m.modelKind(), wider, m.baseDistribution(), m.schema(),
                m.trainingWindow(), m.validation(), m.calibration(), m.createdAt(), m.producer(), null, 0);
        CheckpointCodec.write(file, new FlowState(changed, state.tensors()));
        String message = refusal(file);
        assertTrue(message.contains("incompatible checkpoint"), message);
        Map<String, Tensor> fewer = new java.util.LinkedHashMap<>(state.tensors());
        fewer.remove(fewer.keySet().iterator().next());
        CheckpointCodec.write(file, new FlowState(m, fewer));
        assertTrue(refusal(file).contains("incompatible checkpoint"), refusal(file));
    }
}
