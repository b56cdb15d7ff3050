package io.flowguard.retrainer;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.flowguard.model.checkpoint.CheckpointCodec;
import io.flowguard.model.checkpoint.CheckpointStore;
import io.flowguard.model.checkpoint.FlowStateMapper;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.Manifest;
import io.flowguard.model.checkpoint.ReleaseSigner;
import io.flowguard.model.checkpoint.StoredCheckpoint;
import io.flowguard.model.checkpoint.TrainingWindow;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainingListener;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One refit, start to finish, on the refit thread: fit a flow to the window snapshot (from scratch or warm-started
 * from the serving model), write the checkpoint to the store (atomic, durable), announce it as a CANDIDATE, run the
 * validation gate on the holdout, and publish the verdict: REJECTED with the reason, or APPROVED together with the
 * serving pointer and the previous release RETIRED, in one transaction. The checkpoint is durable before any record
 * names it, so no release ever points at a missing or partial file.
 */
final class Refit {

    private static final Logger LOG = LoggerFactory.getLogger(Refit.class);

    /** What a refit produced: the verdict, and the new serving model when it was approved (caller owns it). */
    record Outcome(String version, GateVerdict verdict, LoadedModel approved, ModelRelease release) {}

    private final RetrainerConfig config;
    private final CheckpointStore store;
    private final ControlTopic control;
    private final ReleaseSigner signer;
    private final ValidationGate gate;
    private final Device device;

    Refit(RetrainerConfig config, CheckpointStore store, ControlTopic control, ReleaseSigner signer, Device device) {
        this.config = config;
        this.store = store;
        this.control = control;
        this.signer = signer;
        this.gate = new ValidationGate(config.policy(), config.gateMarginPerDimension(), config.gateSlack(),
                config.train().trimFraction());
        this.device = device;
    }

    Outcome run(String trigger, FreshWindow.Snapshot window, String[] names, Serving serving,
            TrainingListener listener) {
        Instant started = Instant.now();
        String source = "topic " + config.eventsTopic() + " window of " + window.events() + " events";
        byte[] bytes;
        GateVerdict verdict;
        StoredCheckpoint stored;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            ModelFitter.Fitted fitted = config.warmStart() && serving != null
                    ? ModelFitter.refit(serving.model().flow(), window.train(), window.trainKeys(), config.train(),
                            listener, manager, source)
                    : ModelFitter.fit(window.train(), window.trainKeys(), names, config.spec(),
                            config.preprocessing(), config.train(), listener, manager, source);
            Crash.at("trained");
            Manifest m = fitted.manifest();
            Manifest manifest = new Manifest(m.formatVersion(), m.modelKind(), m.spec(), m.baseDistribution(),
                    m.schema(), new TrainingWindow(source, m.trainingWindow().rows(),
                            m.trainingWindow().validationRows(), Instant.ofEpochMilli(window.firstEventMs()).toString(),
                            Instant.ofEpochMilli(window.lastEventMs()).toString()), m.validation(), m.calibration(),
                    m.createdAt(), m.producer(), null, 0);
            bytes = CheckpointCodec.encode(FlowStateMapper.toState(fitted.flow(), manifest));
            stored = store.put(bytes);
            Crash.at("stored");
            LOG.info("refit ({}): stored candidate {} ({} bytes) at {}", trigger, stored.version(), stored.bytes(),
                    stored.uri());
            ModelRelease candidate = release(stored, fitted.flow().spec().kind().name(), names, trigger,
                    serving, window, Map.of(), ReleaseStatus.CANDIDATE, "validation pending", started);
            control.publish(Map.of(ReleaseKeys.history(config.modelName(), stored.version()), candidate));
            Crash.at("candidate");
            verdict = gate.judge(new Scorer(fitted.flow(), fitted.calibration(), stored.version()),
                    serving == null ? null : serving.model().scorer(), window.holdout());
        }
        Map<String, Double> metrics = new LinkedHashMap<>(verdict.metrics());
        metrics.put("training_seconds", (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1e3);
        String kind = config.warmStart() && serving != null ? serving.model().flow().spec().kind().name()
                : config.spec().kind().name();
        if (!verdict.approved()) {
            ModelRelease rejected = release(stored, kind, names, trigger, serving, window, metrics,
                    ReleaseStatus.REJECTED, verdict.reason(), started);
            control.publish(Map.of(ReleaseKeys.history(config.modelName(), stored.version()), rejected));
            LOG.info("refit ({}): candidate {} REJECTED: {}", trigger, stored.version(), verdict.reason());
            return new Outcome(stored.version(), verdict, null, rejected);
        }
        LoadedModel loaded = io.flowguard.model.checkpoint.Checkpoints.load(store.read(stored.uri()),
                stored.uri(), device);
        try {
            ModelRelease approved = release(stored, kind, names, trigger, serving, window, metrics,
                    ReleaseStatus.APPROVED, verdict.reason(), started);
            Map<String, ModelRelease> records = new LinkedHashMap<>();
            records.put(ReleaseKeys.history(config.modelName(), stored.version()), approved);
            if (serving != null && !serving.version().equals(stored.version())) {
                ModelRelease retired = ModelRelease.newBuilder(serving.release()).setStatus(ReleaseStatus.RETIRED)
                        .setReason("replaced by " + stored.version() + " (" + trigger + ")").build();
                records.put(ReleaseKeys.history(config.modelName(), serving.version()), retired);
            }
            records.put(ReleaseKeys.pointer(config.modelName()), approved);
            control.publish(records);
            LOG.info("refit ({}): candidate {} APPROVED and released: {}", trigger, stored.version(),
                    verdict.reason());
            return new Outcome(stored.version(), verdict, loaded, approved);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    ModelRelease release(StoredCheckpoint stored, String kind, String[] names, String trigger, Serving serving,
            FreshWindow.Snapshot window, Map<String, Double> metrics, ReleaseStatus status, String reason,
            Instant created) {
        ModelRelease.Builder b = ModelRelease.newBuilder().setModelName(config.modelName())
                .setVersion(stored.version()).setModelKind(kind).setCheckpointUri(stored.uri())
                .setSha256(stored.sha256()).setCreatedAt(created).setFeatureNames(List.of(names))
                .setValidationMetrics(metrics).setStatus(status).setTrigger(trigger).setReason(reason)
                .setParentVersion(serving == null ? null : serving.version())
                .setWindowEvents(window == null ? 0 : window.events());
        if (window != null && window.events() > 0) {
            b.setWindowStart(Instant.ofEpochMilli(window.firstEventMs()))
                    .setWindowEnd(Instant.ofEpochMilli(window.lastEventMs()));
        }
        if (signer != null && status == ReleaseStatus.APPROVED) {
            b.setSignature(ByteBuffer.wrap(signer.sign(config.modelName(), stored.sha256())));
        }
        return b.build();
    }
}
