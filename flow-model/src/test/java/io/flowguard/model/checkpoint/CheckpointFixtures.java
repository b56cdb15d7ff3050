package io.flowguard.model.checkpoint;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.score.Calibration;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small checkpoints as bytes (fixed seeds), and the hand edits an attacker or a bad disk would make to them. */
final class CheckpointFixtures {

    static final Matrix DATA = KnownDensity.mixture2d().sample(400, 31);
    static final List<String> FEATURES = List.of("x0", "x1");

    private CheckpointFixtures() {}

    /** A 2-feature flow of {@code kind} with random parameters, encoded; {@code seed} makes distinct checkpoints. */
    static byte[] checkpoint(FlowKind kind, long seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(1).optHiddenFeatures(8).optSeed(seed)
                    .build(), DATA, manager);
            Numerics.randomize(flow, 0.5, seed + 1);
            Manifest manifest = Checkpoints.manifest(flow, new TrainingWindow("test", 300, 100,
                    "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"), new ValidationMetrics(2.5, 2.4, 3, 5, 1.5,
                    "early-stop"), Calibration.fit(Flows.logProb(flow, DATA.slice(0, 100))));
            return CheckpointCodec.encode(FlowStateMapper.toState(flow, manifest));
        }
    }

    /** The same checkpoint with its calibration's mean moved, re-encoded: every hash inside recomputed. */
    static byte[] withEditedCalibration(byte[] bytes, double shift) {
        FlowState s = CheckpointCodec.decode(bytes, "fixture");
        Manifest m = s.manifest();
        Calibration c = m.calibration();
        Calibration edited = new Calibration(c.mean() + shift, c.std(), c.levels(), c.quantiles(), c.events(),
                c.logLikelihoods(), c.logLatentNorms(), c.window(), c.windowClipLow(), c.windowClipHigh(),
                c.windowMeans(), c.windowLogSds(), c.runDelta(), c.runTail());
        Manifest changed = new Manifest(m.formatVersion(), m.modelKind(), m.spec(), m.baseDistribution(), m.schema(),
                m.trainingWindow(), m.validation(), edited, m.createdAt(), m.producer(), null, 0);
        return CheckpointCodec.encode(new FlowState(changed, s.tensors()));
    }

    /** The same checkpoint with one value of its first tensor replaced, re-encoded with recomputed hashes. */
    static byte[] withPlantedValue(byte[] bytes, float value) {
        FlowState s = CheckpointCodec.decode(bytes, "fixture");
        Map<String, Tensor> tensors = new LinkedHashMap<>(s.tensors());
        Map.Entry<String, Tensor> first = tensors.entrySet().iterator().next();
        float[] values = first.getValue().values();
        values[values.length / 2] = value;
        tensors.put(first.getKey(), new Tensor(first.getValue().shape(), values));
        return CheckpointCodec.encode(new FlowState(s.manifest(), tensors));
    }
}
