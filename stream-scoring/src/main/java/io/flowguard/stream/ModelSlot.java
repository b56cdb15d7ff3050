package io.flowguard.stream;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.score.Scorer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model a scorer serves, swappable while batches run. A batch {@link #acquire}s a lease and scores with the
 * leased model only, so a swap takes effect between batches and no batch mixes two models. Each model is
 * reference-counted (the slot holds one reference, each open lease one more): the model a swap replaced frees its
 * native memory when the last batch that leased it has finished, never under a running batch.
 */
public final class ModelSlot implements AutoCloseable {

    /** One batch's hold on the model it scores with. */
    public static final class Lease implements AutoCloseable {
        private final Held held;
        private boolean open = true;

        private Lease(Held held) {
            this.held = held;
        }

        public Scorer scorer() {
            return held.scorer;
        }

        @Override
        public void close() {
            if (open) {
                open = false;
                held.release();
            }
        }
    }

    private static final class Held {
        final Scorer scorer;
        final AutoCloseable owner;
        final AtomicInteger refs = new AtomicInteger(1);
        final AtomicInteger live;

        Held(Scorer scorer, AutoCloseable owner, AtomicInteger live) {
            this.scorer = scorer;
            this.owner = owner;
            this.live = live;
            live.incrementAndGet();
        }

        boolean retain() {
            while (true) {
                int n = refs.get();
                if (n == 0) {
                    return false;
                }
                if (refs.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                live.decrementAndGet();
                if (owner != null) {
                    try {
                        owner.close();
                    } catch (Exception ignored) {
                        // freeing native memory does not fail in practice; nothing to do if it does
                    }
                }
            }
        }
    }

    private final AtomicInteger live = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicReference<Held> current;

    /**
     * @param owner closed when the model is no longer in use (the loaded checkpoint that owns the native memory),
     *     or null when the caller keeps ownership
     */
    public ModelSlot(Scorer initial, AutoCloseable owner) {
        this.current = new AtomicReference<>(new Held(initial, owner, live));
    }

    /** A lease on the model now serving; close it when the batch is done. */
    public Lease acquire() {
        while (true) {
            Held h = current.get();
            if (h.retain()) {
                return new Lease(h);
            }
            if (current.get() == h) {
                // a swap replaces the model before it drops the slot's reference, so an unchanged one was closed
                throw new FlowGuardException("expected an open model slot, got a closed one");
            }
        }
    }

    /** The model now serving, without a lease (for names and metadata, not for native work). */
    public Scorer current() {
        return current.get().scorer;
    }

    /** Serves {@code next} from the next batch on; returns the model it replaced (freed once no batch uses it). */
    public Scorer swap(Scorer next, AutoCloseable owner) {
        Held old = current.getAndSet(new Held(next, owner, live));
        old.release();
        return old.scorer;
    }

    /** Models not yet freed: the serving one plus those still leased by a running batch. */
    public int liveModels() {
        return live.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            current.get().release();
        }
    }
}
