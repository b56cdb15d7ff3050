package io.flowguard.stream;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * The events waiting in the current micro-batch, kept in memory and written to a change-logged store only when
 * Kafka Streams commits.
 *
 * <p>Why they are stored at all: a commit covers the input offset of every record handed to the processor,
 * including those still waiting for their batch, so the waiting ones must be in the same exactly-once transaction;
 * after a crash the store is restored and they are scored, none lost and, with exactly-once, none twice.
 *
 * <p>When to write them: in every commit Kafka Streams (4.2) flushes the caches of a task's stores, then the
 * record collector, then commits the transaction with the input offsets; the full {@link StateStore#flush} only
 * comes with checkpoints, far less often under exactly-once. So this store takes part as a cache
 * ({@link CachedStateStore}, an interface of Kafka Streams' internals, so a Kafka upgrade must pass
 * {@code ExactlyOnceCrashIT}, which loses events when they are written only at checkpoints): {@link #flushCache}
 * writes the events waiting at that instant, at most one batch, instead of every event passing through a cached
 * store.
 *
 * <p>Layout of the underlying store: a ring of batch slots. Event k of the batch is slot k, tagged with the batch
 * generation ({@link Pending#write}); a scored batch only bumps the generation, so slots of older generations are
 * stale and never deleted. Key {@value #GENERATION} holds the current generation.
 */
final class PendingEventsStore implements StateStore, CachedStateStore<Long, byte[]> {

    /** Store key of the current batch generation; slots 0..batchSize-1 hold the batch's events. */
    static final long GENERATION = -1;

    private final KeyValueStore<Long, byte[]> slots;
    private final List<Pending> waiting = new ArrayList<>();
    private long generation;
    /** What the underlying store holds: the generation, and the first slots of it. */
    private long storedGeneration;
    private int stored;
    /** Whether the processor has read the store back ({@link #restore}); until then flushes write nothing. */
    private boolean restored;

    private PendingEventsStore(KeyValueStore<Long, byte[]> slots) {
        this.slots = slots;
    }

    /** A builder for the topology: an in-memory, change-logged, uncached slot store under {@code name}. */
    static StoreBuilder<PendingEventsStore> builder(String name) {
        StoreBuilder<KeyValueStore<Long, byte[]>> inner = Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(name), Serdes.Long(), Serdes.ByteArray()).withCachingDisabled();
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<PendingEventsStore> withCachingEnabled() {
                return this; // writes happen once per commit already
            }

            @Override
            public StoreBuilder<PendingEventsStore> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<PendingEventsStore> withLoggingEnabled(Map<String, String> config) {
                inner.withLoggingEnabled(config);
                return this;
            }

            @Override
            public StoreBuilder<PendingEventsStore> withLoggingDisabled() {
                throw new UnsupportedOperationException("the pending events store must be change-logged");
            }

            @Override
            public PendingEventsStore build() {
                return new PendingEventsStore(inner.build());
            }

            @Override
            public Map<String, String> logConfig() {
                return inner.logConfig();
            }

            @Override
            public boolean loggingEnabled() {
                return inner.loggingEnabled();
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    @Override
    public String name() {
        return slots.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        slots.init(context, root);
    }

    /**
     * Reads back what the last commit stored (after a restart: the events that were waiting when it committed),
     * in slot order, and makes them the waiting events.
     */
    List<Pending> restore(WireCodec<Event> codec) {
        byte[] g = slots.get(GENERATION);
        generation = g == null ? 0 : ByteBuffer.wrap(g).getLong();
        waiting.clear();
        try (KeyValueIterator<Long, byte[]> all = slots.all()) {
            all.forEachRemaining(kv -> {
                if (kv.key != GENERATION) {
                    Pending p = Pending.read(kv.key, kv.value, codec);
                    if (p.generation() == generation) {
                        waiting.add(p);
                    }
                }
            });
        }
        waiting.sort(Comparator.comparingLong(Pending::slot));
        storedGeneration = generation; // an empty store stands for generation 0
        stored = waiting.size();
        restored = true;
        return waiting;
    }

    /** The batch generation new events are tagged with. */
    long generation() {
        return generation;
    }

    /** The waiting events, in arrival order (slot k at index k). */
    List<Pending> waiting() {
        return waiting;
    }

    void add(Pending p) {
        waiting.add(p);
    }

    /** The waiting events have been scored (or dead-lettered): start the next generation. */
    void batchDone() {
        waiting.clear();
        generation++;
        stored = 0;
    }

    /**
     * Called by Kafka Streams in every commit, before the transaction commits: writes the waiting events not yet in
     * the store. Writes happen only after the processor has handled a record or a punctuation since the last
     * commit, so the change-logging layer has a record context for their timestamps; before the processor has read
     * the store back ({@link #restore}), there is nothing to write.
     */
    @Override
    public void flushCache() {
        if (!restored) {
            return;
        }
        if (storedGeneration != generation) {
            slots.put(GENERATION, ByteBuffer.allocate(8).putLong(generation).array());
            storedGeneration = generation;
        }
        for (int i = stored; i < waiting.size(); i++) {
            Pending p = waiting.get(i);
            slots.put(p.slot(), p.write());
        }
        stored = waiting.size();
    }

    @Override
    public void flush() {
        flushCache();
        slots.flush();
    }

    @Override
    public void clearCache() {
        // Dropped with the task: a revived processor reads the store back.
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Long, byte[]> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public void close() {
        slots.close();
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return slots.isOpen();
    }
}
