package io.flowguard.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.score.Calibration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Saving a trained flow to one file and loading it back onto a device. The model version of a saved file is its
 * whole-file version ({@link CheckpointIdentity}), never the payload's.
 */
public final class Checkpoints {

    public static final String PRODUCER = "flowguard 0.1.0";

    private Checkpoints() {}

    /** A manifest for {@code flow} with the given provenance; the codec fills in the payload hash. */
    public static Manifest manifest(Flow flow, TrainingWindow window, ValidationMetrics validation,
            Calibration calibration) {
        return new Manifest(CheckpointCodec.FORMAT_VERSION, flow.spec().kind().name().toLowerCase().replace('_', '-'),
                flow.spec(), flow.base().name(), flow.schema(), window, validation, calibration,
                Instant.now().toString(), PRODUCER, null, 0);
    }

    /**
     * Writes {@code flow} with {@code manifest} atomically to {@code path} (replacing any file there).
     *
     * @return the file's identity: whole-file version and SHA-256, {@code file:} uri, size and write time
     */
    public static StoredCheckpoint save(Path path, Flow flow, Manifest manifest) {
        byte[] bytes = CheckpointCodec.encode(FlowStateMapper.toState(flow, manifest));
        CheckpointCodec.writeBytes(path, bytes);
        return describe(path, bytes);
    }

    /** The whole-file model version of the checkpoint at {@code path} (not verified: {@link #load} does that). */
    public static String version(Path path) {
        return CheckpointIdentity.version(CheckpointIdentity.sha256Hex(readBytes(path)));
    }

    /** Reads, verifies and loads a checkpoint onto {@code device}. */
    public static LoadedModel load(Path path, Device device) {
        return load(readBytes(path), path.toString(), device);
    }

    /**
     * Verifies (format, trailer and payload hashes, parameter shapes) and loads a checkpoint held in memory.
     *
     * @param source names the checkpoint in error messages
     */
    public static LoadedModel load(byte[] bytes, String source, Device device) {
        return load(CheckpointCodec.decode(bytes, source), CheckpointIdentity.sha256Hex(bytes), source, device);
    }

    /** Loads an already decoded state; {@code sha256} is that of the bytes it was decoded from. */
    static LoadedModel load(FlowState state, String sha256, String source, Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Flow flow = FlowStateMapper.toFlow(state, manager, source);
            io.flowguard.model.nn.Tensors.freeze(flow); // loaded models only score: no autograd graphs
            return new LoadedModel(flow, state.manifest(), sha256);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    static StoredCheckpoint describe(Path path, byte[] bytes) {
        String sha256 = CheckpointIdentity.sha256Hex(bytes);
        Path absolute = path.toAbsolutePath();
        Instant storedAt;
        try {
            storedAt = Files.getLastModifiedTime(absolute).toInstant();
        } catch (IOException e) {
            throw new CheckpointException(path + ": could not read the checkpoint's modification time: " + e, e);
        }
        return new StoredCheckpoint(CheckpointIdentity.version(sha256), sha256, absolute.toUri().toString(),
                bytes.length, storedAt);
    }

    private static byte[] readBytes(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such checkpoint file", e);
        } catch (IOException e) {
            throw new CheckpointException(path + ": could not read checkpoint: " + e, e);
        }
    }
}
