package io.flowguard.flink;

import io.flowguard.model.score.Scorer;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.DeadLetter;
import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.EventRowReader;
import io.flowguard.schemas.ScoreResultWriter;
import io.flowguard.schemas.WireCodec;
import io.flowguard.schemas.WireException;
import io.flowguard.stream.BatchRows;
import io.flowguard.stream.BatchScorer;
import io.flowguard.stream.EventIdentity;
import io.flowguard.stream.EventRows;
import io.flowguard.stream.ScoredOutcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One parallel instance's events waiting for their batch, and the flush that scores them through the engine-neutral
 * {@link BatchScorer}: the same decode, validation ({@link EventRows}), decisions and dead-letter reasons as the
 * Kafka Streams scorer. Not thread-safe (the task thread owns it). Lives in memory only: the operator flushes it
 * before every checkpoint barrier, so a checkpoint never holds a half-filled batch.
 */
final class PendingBatch {

    /** Where a flush's records go. */
    interface Sink {
        void score(KeyedBytes record);

        void alert(KeyedBytes record);

        void deadLetter(KeyedBytes record, DeadLetterReason reason);
    }

    /** The per-key typicality windows of one instance, read and written under the partitioning key. */
    interface KeyedWindows {
        /** The scorer's view for one batch; {@code partitionKey} maps each event key to its record key. */
        BatchScorer.Windows forBatch(Map<String, String> partitionKey);

        /** Writes the windows the batch changed back to state. */
        void commit();

        /** Forgets the batch's changes (it failed: the state keeps the windows from before it). */
        void discard();
    }

    /** An event that decoded; {@code row} holds its features in the order {@code rowNames} when the fast path read them. */
    private record Waiting(EventIdentity identity, float[] row, String[] rowNames, Event event, KafkaRecord record) {}

    private final BatchRows.Access<Waiting> access = new BatchRows.Access<>() {
        @Override
        public EventIdentity identity(Waiting w) {
            return w.identity();
        }

        @Override
        public float[] row(Waiting w) {
            return w.row();
        }

        @Override
        public String[] rowNames(Waiting w) {
            return w.rowNames();
        }

        @Override
        public Event decode(Waiting w) {
            return w.event() != null ? w.event() : events.decode(w.record().value);
        }
    };

    private final WireCodec<Event> events = WireCodec.of(Event.class);
    private final WireCodec<Alert> alerts = WireCodec.of(Alert.class);
    private final WireCodec<DeadLetter> deadLetters = WireCodec.of(DeadLetter.class);
    private final ScoreResultWriter scoreWriter = new ScoreResultWriter();
    private final List<Waiting> waiting = new ArrayList<>();
    private Scorer readerModel;
    private String[] readerNames;
    private EventRowReader reader;
    private float[] contributions = new float[0];

    int size() {
        return waiting.size();
    }

    /** Adds a record, or dead-letters it at once when it does not decode (MALFORMED, UNKNOWN_SCHEMA). */
    void add(KafkaRecord record, Scorer current, Sink sink) {
        String[] names = readerFor(current);
        float[] row = new float[names.length];
        EventRowReader.Header fast = record.value == null ? null : reader.read(record.value, row);
        if (fast != null) {
            waiting.add(new Waiting(EventIdentity.of(fast), row, names, null, record));
            return;
        }
        Event event;
        try {
            event = events.decode(record.value == null ? new byte[0] : record.value);
        } catch (WireException e) {
            deadLetter(sink, record, e.kind() == WireException.Kind.UNKNOWN_SCHEMA ? DeadLetterReason.UNKNOWN_SCHEMA
                    : DeadLetterReason.MALFORMED, e.getMessage());
            return;
        }
        waiting.add(new Waiting(EventIdentity.of(event), null, null, event, record));
    }

    /** Scores every waiting event with {@code model} (leased by the caller) and empties the batch. */
    void flush(Scorer model, BatchScorer scorer, KeyedWindows windows, Sink sink) {
        if (waiting.isEmpty()) {
            return;
        }
        String[] names = readerFor(model);
        int d = names.length;
        BatchRows<Waiting> batch = BatchRows.assemble(waiting, names, access,
                (w, e, why) -> deadLetter(sink, w.record(), why.reason(), why.detail()));
        List<EventIdentity> valid = batch.identities();
        List<Waiting> validWaiting = batch.valid();
        waiting.clear();
        if (valid.isEmpty()) {
            return;
        }
        // the windows live under the partitioning key (the record key); the scorer names the event's key, which the
        // wire contract makes the same, but the state backend only accepts keys of this instance's key groups
        Map<String, String> partitionKey = new HashMap<>();
        for (Waiting w : validWaiting) {
            partitionKey.putIfAbsent(w.identity().key(), w.record().key);
        }
        List<ScoredOutcome> outcomes;
        try {
            outcomes = scorer.score(model, valid, batch.rows(), windows.forBatch(partitionKey));
            windows.commit();
        } catch (RuntimeException e) {
            windows.discard();
            for (Waiting w : validWaiting) {
                deadLetter(sink, w.record(), DeadLetterReason.SCORING_FAILED, "model " + model.modelVersion() + ": "
                        + e);
            }
            return;
        }
        if (contributions.length < d) {
            contributions = new float[d];
        }
        for (ScoredOutcome o : outcomes) {
            byte[] key = o.event().key().getBytes(StandardCharsets.UTF_8);
            long time = o.event().eventTime().toEpochMilli();
            sink.score(new KeyedBytes(key, o.encode(scoreWriter, contributions), time));
            if (o.alert() != null) {
                sink.alert(new KeyedBytes(key, alerts.encode(o.alert()), time));
            }
        }
    }

    /** The feature names of {@code model}, with the fast reader bound to them (rebuilt after a swap). */
    private String[] readerFor(Scorer model) {
        if (model != readerModel) {
            readerNames = model.flow().schema().names();
            reader = new EventRowReader(readerNames);
            readerModel = model;
        }
        return readerNames;
    }

    private void deadLetter(Sink sink, KafkaRecord r, DeadLetterReason reason, String detail) {
        long now = System.currentTimeMillis();
        DeadLetter letter = DeadLetter.newBuilder().setReason(reason).setDetail(detail).setTopic(r.topic)
                .setPartition(r.partition).setOffset(r.offset)
                .setPayload(ByteBuffer.wrap(r.value == null ? new byte[0] : r.value))
                .setFailedAt(Instant.ofEpochMilli(now)).build();
        sink.deadLetter(new KeyedBytes(r.key.getBytes(StandardCharsets.UTF_8), deadLetters.encode(letter), now),
                reason);
    }
}
