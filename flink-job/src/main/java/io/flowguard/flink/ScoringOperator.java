package io.flowguard.flink;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.model.checkpoint.ReleaseRefusedException;
import io.flowguard.model.checkpoint.ReleaseVerifier;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.WireCodec;
import io.flowguard.schemas.WireException;
import io.flowguard.stream.BatchScorer;
import io.flowguard.stream.ModelSlot;
import io.flowguard.stream.ReleaseFollower;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scoring operator: input 1 is the event stream keyed by entity, input 2 the model-release control stream,
 * broadcast to every parallel instance. Events wait in a {@link PendingBatch} until it holds {@code batchSize} of
 * them or the oldest has waited {@code maxLatency} (a processing-time timer), then are scored by the model leased
 * from a {@link ModelSlot} for that batch; scores go to the main output, alerts and dead letters to side outputs.
 *
 * <p>Exactly once: the batch is flushed in {@link #prepareSnapshotPreBarrier}, before the checkpoint barrier goes
 * downstream, so every event read before a barrier has its output before it (in the sinks' transaction of that
 * checkpoint) and a checkpoint never holds a waiting event; a restore re-reads from the source offsets of the
 * checkpoint and neither drops nor repeats an event. Per-key typicality windows are keyed state (the bytes of
 * {@code TypicalityWindow}), so they are checkpointed and move with their key group on rescaling. The serving
 * release record (never the weights) is broadcast state: a restored instance loads it again, so a restore keeps
 * the version that served. An operator rather than a {@code KeyedBroadcastProcessFunction} because a batch spans
 * keys: it must switch the keyed-state context per event and flush before the barrier, which a function cannot.
 */
final class ScoringOperator extends AbstractStreamOperator<KeyedBytes>
        implements TwoInputStreamOperator<KafkaRecord, KafkaRecord, KeyedBytes>, BoundedMultiInput {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoringOperator.class);
    static final OutputTag<KeyedBytes> ALERTS = new OutputTag<>("alerts", Types.POJO(KeyedBytes.class));
    static final OutputTag<KeyedBytes> DEAD_LETTERS = new OutputTag<>("dead-letters", Types.POJO(KeyedBytes.class));
    /** The broadcast state: the serving pointer's {@code ModelRelease} bytes under one key. */
    static final MapStateDescriptor<String, byte[]> RELEASES = new MapStateDescriptor<>("model-release",
            Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    private static final String POINTER = "serving";
    private static final WireCodec<ModelRelease> RELEASE_CODEC = WireCodec.of(ModelRelease.class);

    private final FlinkJobConfig config;
    private transient BroadcastState<String, byte[]> releaseState;
    private transient ValueState<byte[]> windowState;
    private transient ModelSlot slot;
    private transient BatchScorer scorer;
    private transient ReleaseLoader loader;
    private transient List<String> features;
    private transient PendingBatch pending;
    private transient PendingBatch.Sink sink;
    private transient PendingBatch.KeyedWindows windows;
    private transient long oldestMs;
    private transient boolean timerArmed;
    private transient MetricGroup metrics;
    private transient Counter eventsScored;
    private transient Map<String, Counter> counters;

    ScoringOperator(FlinkJobConfig config) {
        this.config = config;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        releaseState = context.getOperatorStateStore().getBroadcastState(RELEASES);
        windowState = getPartitionedState(new ValueStateDescriptor<>("typicality-windows",
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void open() throws Exception {
        super.open();
        metrics = getMetricGroup();
        eventsScored = metrics.counter("events_scored");
        counters = new HashMap<>();
        ai.djl.Device device = Devices.select(config.device());
        Path initial = Path.of(config.checkpoint());
        SharedModels.Handle handle = SharedModels.acquire(Checkpoints.version(initial),
                () -> warmedUp(Checkpoints.load(initial, device)));
        features = List.of(handle.scorer().flow().schema().names());
        slot = new ModelSlot(handle.scorer(), handle);
        scorer = new BatchScorer(slot, AlertPolicy.defaults());
        if (config.followsReleases()) {
            loader = new ReleaseLoader(new LocalCheckpointStore(Path.of(config.store())),
                    config.publicKey() == null ? null : ReleaseVerifier.load(Path.of(config.publicKey())), device);
        }
        pending = new PendingBatch();
        sink = new OutputSink();
        windows = new KeyedStateWindows(windowState, this::setCurrentKey);
        byte[] restored = releaseState.get(POINTER);
        if (restored != null && loader != null) {
            apply(RELEASE_CODEC.decode(restored), "restored");
        }
        LOG.info("scoring instance {} of {} serves model {}", getRuntimeContext().getTaskInfo()
                .getIndexOfThisSubtask(), getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks(),
                slot.current().modelVersion());
    }

    @Override
    public void processElement1(StreamRecord<KafkaRecord> element) {
        pending.add(element.getValue(), slot.current(), sink);
        if (pending.size() == 1) {
            oldestMs = getProcessingTimeService().getCurrentProcessingTime();
            armTimer(oldestMs + config.maxLatency().toMillis());
        }
        if (pending.size() >= config.batchSize()) {
            flush();
        }
    }

    /** A control record: the serving pointer of our model (key = model name, APPROVED) is kept and served. */
    @Override
    public void processElement2(StreamRecord<KafkaRecord> element) throws Exception {
        KafkaRecord r = element.getValue();
        if (loader == null || r.value == null || !r.key.equals(config.modelName())) {
            return; // another model, a version's history record (MODEL/VERSION), or not following releases
        }
        ModelRelease release;
        try {
            release = RELEASE_CODEC.decode(r.value);
        } catch (WireException e) {
            LOG.warn("control record at {}-{}@{} does not decode: {}", r.topic, r.partition, r.offset,
                    e.getMessage());
            return;
        }
        if (release.getStatus() != ReleaseStatus.APPROVED) {
            return;
        }
        releaseState.put(POINTER, r.value);
        apply(release, "released");
    }

    /** Loads (once per JVM and version), verifies and warms up {@code release}, and serves it from the next batch. */
    private void apply(ModelRelease release, String how) {
        String version = release.getVersion();
        String serving = slot.current().modelVersion();
        if (version.equals(serving)) {
            return;
        }
        SharedModels.Handle handle;
        try {
            handle = SharedModels.acquire(version, () -> warmedUp(loader.load(ReleaseFollower.ref(release),
                    features)));
        } catch (ReleaseRefusedException e) {
            swaps("refused_" + e.reason().name().toLowerCase(Locale.ROOT).replace("_", ""));
            LOG.warn("release {} of model {} refused ({}): {}; {} keeps serving", version, config.modelName(),
                    e.reason(), e.getMessage(), serving);
            return;
        } catch (RuntimeException e) {
            swaps("refused_corrupt");
            LOG.warn("release {} of model {} refused: {}; {} keeps serving", version, config.modelName(), e, serving);
            return;
        }
        slot.swap(handle.scorer(), handle);
        swaps("swapped");
        LOG.info("model {} ({}): swapped {} -> {} on instance {}", config.modelName(), how, serving, version,
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    }

    private void swaps(String outcome) {
        counter("outcome", outcome, "model_swaps").inc();
    }

    /** A labelled counter, registered once (Flink's metric groups refuse a name registered twice). */
    private Counter counter(String label, String value, String name) {
        return counters.computeIfAbsent(name + "/" + value, k -> metrics.addGroup(label, value).counter(name));
    }

    /** One batch through a freshly loaded model before it serves: native kernels and JIT paths are warm. */
    private static LoadedModel warmedUp(LoadedModel model) {
        try {
            model.scorer().score(model.flow().sample(256, 7).events());
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private void armTimer(long at) {
        if (!timerArmed) {
            timerArmed = true;
            getProcessingTimeService().registerTimer(at, this::onDeadline);
        }
    }

    private void onDeadline(long now) {
        timerArmed = false;
        if (pending.size() == 0) {
            return;
        }
        long due = oldestMs + config.maxLatency().toMillis();
        if (now >= due) {
            flush();
        } else {
            armTimer(due);
        }
    }

    private void flush() {
        if (pending.size() == 0) {
            return;
        }
        try (ModelSlot.Lease lease = scorer.acquire()) {
            pending.flush(lease.scorer(), scorer, windows, sink);
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush(); // before the barrier: this checkpoint's transactions carry the batch's output
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void endInput(int inputId) {
        if (inputId == 1) {
            flush();
        }
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (slot != null) {
            slot.close(); // drops this instance's hold; the JVM frees the model when no instance holds it
        }
        super.close();
    }

    /** Scores to the main output, alerts and dead letters to their side outputs, each stamped with its time. */
    private final class OutputSink implements PendingBatch.Sink {
        @Override
        public void score(KeyedBytes record) {
            output.collect(new StreamRecord<>(record, record.timestamp));
            eventsScored.inc();
        }

        @Override
        public void alert(KeyedBytes record) {
            output.collect(ALERTS, new StreamRecord<>(record, record.timestamp));
        }

        @Override
        public void deadLetter(KeyedBytes record, DeadLetterReason reason) {
            output.collect(DEAD_LETTERS, new StreamRecord<>(record, record.timestamp));
            counter("reason", reason.name(), "records_dead_lettered").inc();
        }
    }
}
