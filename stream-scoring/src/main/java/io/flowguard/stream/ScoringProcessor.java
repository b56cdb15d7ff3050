package io.flowguard.stream;

import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.TypicalityWindow;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.DeadLetter;
import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.EventRowReader;
import io.flowguard.schemas.ScoreResultWriter;
import io.flowguard.schemas.WireCodec;
import io.flowguard.schemas.WireException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Micro-batches events into the flow: decode, buffer, score on size or on a wall-clock deadline, forward scores,
 * alerts and dead letters.
 *
 * <p>The batch lives in a {@link PendingEventsStore}: Kafka Streams commits the input offset of every record
 * handed to {@link #process}, including those still waiting in the batch, so the store writes the waiting events
 * into its changelog in each commit (in the same exactly-once transaction as the offsets); after a crash they are
 * restored and scored, none lost and none scored twice.
 */
final class ScoringProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final String STORE = "pending-events";
    /** Per-key typicality windows ({@link TypicalityWindow} bytes by event key). */
    static final String WINDOWS = "typicality-windows";
    /** Windows kept decoded in memory (least recently used beyond this are re-read from the store). */
    static final int CACHED_WINDOWS = 100_000;
    static final String SCORES = "scores-sink";
    static final String ALERTS = "alerts-sink";
    static final String DEAD_LETTERS = "dead-letters-sink";

    private final BatchScorer scorer;
    private final StreamMetrics metrics;
    private final int batchSize;
    private final long maxLatencyMs;
    private final WireCodec<Event> events = WireCodec.of(Event.class);
    private final ScoreResultWriter scoreWriter = new ScoreResultWriter();
    private float[] contributions = new float[0];
    private double[] logLikelihoods = new double[0];
    private final WireCodec<Alert> alerts = WireCodec.of(Alert.class);
    private final WireCodec<DeadLetter> deadLetters = WireCodec.of(DeadLetter.class);
    private List<Pending> pending;
    private ProcessorContext<byte[], byte[]> context;
    private PendingEventsStore store;
    private KeyValueStore<String, byte[]> windowStore;
    private final Map<String, TypicalityWindow> windows = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TypicalityWindow> eldest) {
            return size() > CACHED_WINDOWS;
        }
    };
    /** The windows this batch changed, written to the store once each when the batch is done. */
    private final Map<String, TypicalityWindow> touched = new HashMap<>();
    private final BatchScorer.Windows windowAccess = new BatchScorer.Windows() {
        @Override
        public TypicalityWindow get(String key, int size, String modelVersion) {
            TypicalityWindow w = windows.get(key);
            if (w == null || w.size() != size) {
                w = TypicalityWindow.fromBytes(windowStore.get(key), size, modelVersion);
                windows.put(key, w);
            }
            return w;
        }

        @Override
        public void put(String key, TypicalityWindow window) {
            touched.put(key, window);
        }
    };
    private final BatchRows.Access<Pending> access = new BatchRows.Access<>() {
        @Override
        public EventIdentity identity(Pending p) {
            return p.identity();
        }

        @Override
        public float[] row(Pending p) {
            return p.row();
        }

        @Override
        public String[] rowNames(Pending p) {
            return p.rowNames();
        }

        @Override
        public Event decode(Pending p) {
            return events.decode(p.payload());
        }
    };
    private Scorer readerModel;
    /** The model of the previous batch (a change means this batch is the first after a swap). */
    private Scorer lastModel;
    private String[] readerNames;
    private EventRowReader reader;
    private long oldestPendingMs;
    private final long lightLoadCommitMs;
    private long lastCommitRequestMs;

    ScoringProcessor(BatchScorer scorer, StreamMetrics metrics, int batchSize, Duration maxLatency,
            Duration lightLoadCommit) {
        this.scorer = scorer;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.maxLatencyMs = maxLatency.toMillis();
        this.lightLoadCommitMs = lightLoadCommit.toMillis();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.windowStore = context.getStateStore(WINDOWS);
        this.pending = store.restore(events);
        oldestPendingMs = context.currentSystemTimeMs();
        long tick = Math.max(1, maxLatencyMs / 4);
        context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> {
            if (!pending.isEmpty() && now - oldestPendingMs >= maxLatencyMs) {
                boolean light = pending.size() < batchSize / 2;
                flush();
                if (light && lightLoadCommitMs > 0 && now - lastCommitRequestMs >= lightLoadCommitMs) {
                    context.commit(); // at light load: make the scores visible now, not at the commit interval
                    lastCommitRequestMs = now;
                }
            }
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = metadata();
        String topic = where == null ? "" : where.topic();
        int partition = where == null ? -1 : where.partition();
        long offset = where == null ? -1 : where.offset();
        String[] names = readerFor(scorer.current());
        float[] row = new float[names.length];
        EventRowReader.Header fast = reader.read(record.value(), row);
        Pending p;
        if (fast != null) {
            p = new Pending(pending.size(), store.generation(), EventIdentity.of(fast), row, names, record.value(),
                    topic, partition, offset);
        } else {
            Event event;
            try {
                event = events.decode(record.value());
            } catch (WireException e) {
                deadLetter(record.key(), record.value(), e.kind() == WireException.Kind.UNKNOWN_SCHEMA
                        ? DeadLetterReason.UNKNOWN_SCHEMA : DeadLetterReason.MALFORMED, e.getMessage(), topic,
                        partition, offset);
                return;
            }
            p = new Pending(pending.size(), store.generation(), EventIdentity.of(event), null, null, record.value(),
                    topic, partition, offset);
        }
        if (pending.isEmpty()) {
            oldestPendingMs = context.currentSystemTimeMs();
        }
        store.add(p);
        if (pending.size() >= batchSize) {
            flush();
        }
    }

    /** The feature names of {@code model}, with the fast reader bound to them (rebuilt after a model swap). */
    private String[] readerFor(Scorer model) {
        if (model != readerModel) {
            readerNames = model.flow().schema().names();
            reader = new EventRowReader(readerNames);
            readerModel = model;
        }
        return readerNames;
    }

    private void flush() {
        try (ModelSlot.Lease lease = scorer.acquire()) {
            Scorer model = lease.scorer();
            long start = System.nanoTime();
            flush(model);
            boolean swapped = lastModel != null && lastModel != model;
            lastModel = model;
            metrics.batchDone((System.nanoTime() - start) / 1e9, swapped);
        }
        store.batchDone();
    }

    private void flush(Scorer model) {
        String[] names = readerFor(model);
        int d = names.length;
        BatchRows<Pending> batch = BatchRows.assemble(pending, names, access, (p, e, why) -> deadLetter(
                bytes(e.getKey()), p.payload(), why.reason(), why.detail(), p.topic(), p.partition(), p.offset()));
        List<EventIdentity> valid = batch.identities();
        List<Pending> validPending = batch.valid();
        if (!valid.isEmpty()) {
            long start = System.nanoTime();
            List<ScoredOutcome> outcomes;
            try {
                outcomes = scorer.score(model, valid, batch.rows(), windowAccess);
                for (Map.Entry<String, TypicalityWindow> w : touched.entrySet()) {
                    windowStore.put(w.getKey(), w.getValue().toBytes());
                }
            } catch (RuntimeException e) {
                windows.keySet().removeAll(touched.keySet()); // re-read from the store: the batch did not happen
                for (Pending p : validPending) {
                    deadLetter(bytes(p.identity().key()), p.payload(), DeadLetterReason.SCORING_FAILED,
                            "model " + model.modelVersion() + ": " + e, p.topic(), p.partition(), p.offset());
                }
                outcomes = List.of();
            }
            touched.clear();
            metrics.scoringLatency.observe((System.nanoTime() - start) / 1e9);
            metrics.batchSize.observe(valid.size());
            long now = context.currentSystemTimeMs();
            if (logLikelihoods.length < outcomes.size()) {
                logLikelihoods = new double[Math.max(outcomes.size(), 2 * logLikelihoods.length)];
            }
            int k = 0;
            for (ScoredOutcome o : outcomes) {
                byte[] key = bytes(o.event().key());
                long time = o.event().eventTime().toEpochMilli();
                if (contributions.length < d) {
                    contributions = new float[d];
                }
                context.forward(new Record<>(key, o.encode(scoreWriter, contributions), time), SCORES);
                if (o.alert() != null) {
                    context.forward(new Record<>(key, alerts.encode(o.alert()), time), ALERTS);
                    metrics.alerts.labelValues(o.alert().getReason().name()).inc();
                }
                logLikelihoods[k++] = o.logLikelihood();
                metrics.eventLag.observe(Math.max(0, now - time) / 1e3);
            }
            metrics.logLikelihood.observe(logLikelihoods, k);
            metrics.eventsScored.inc(outcomes.size());
        }
    }

    private RecordMetadata metadata() {
        return context.recordMetadata().orElse(null);
    }

    private void deadLetter(byte[] key, byte[] payload, DeadLetterReason reason, String detail, String topic,
            int partition, long offset) {
        DeadLetter letter = DeadLetter.newBuilder().setReason(reason).setDetail(detail)
                .setTopic(topic).setPartition(partition).setOffset(offset)
                .setPayload(ByteBuffer.wrap(payload == null ? new byte[0] : payload))
                .setFailedAt(Instant.ofEpochMilli(context.currentSystemTimeMs())).build();
        context.forward(new Record<>(key, deadLetters.encode(letter), context.currentSystemTimeMs()), DEAD_LETTERS);
        metrics.deadLettered.labelValues(reason.name()).inc();
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
