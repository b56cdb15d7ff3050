package io.flowguard.model.checkpoint;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.flowguard.model.flow.Flow;
import java.nio.file.Path;
import java.time.Instant;

/** Saving a trained flow to one file and loading it back onto a device. */
public final class Checkpoints {

    public static final String PRODUCER = "flowguard 0.1.0";

    private Checkpoints() {}

    /** A manifest for {@code flow} with the given provenance; the codec fills in the payload hash. */
    public static Manifest manifest(Flow flow, TrainingWindow window, ValidationMetrics validation,
            io.flowguard.model.score.Calibration calibration) {
        return new Manifest(CheckpointCodec.FORMAT_VERSION, flow.spec().kind().name().toLowerCase().replace('_', '-'),
                flow.spec(), flow.base().name(), flow.schema(), window, validation, calibration,
                Instant.now().toString(), PRODUCER, null, 0);
    }

    /** Writes {@code flow} with {@code manifest} atomically to {@code path}; returns the stored manifest. */
    public static Manifest save(Path path, Flow flow, Manifest manifest) {
        CheckpointCodec.write(path, FlowStateMapper.toState(flow, manifest));
        return CheckpointCodec.read(path).manifest();
    }

    /** Reads, verifies and loads a checkpoint onto {@code device}. */
    public static LoadedModel load(Path path, Device device) {
        FlowState state = CheckpointCodec.read(path);
        NDManager manager = NDManager.newBaseManager(device);
        try {
            Flow flow = FlowStateMapper.toFlow(state, manager, path.toString());
            return new LoadedModel(flow, state.manifest());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }
}
