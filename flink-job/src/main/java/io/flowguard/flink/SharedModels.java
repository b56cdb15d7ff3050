package io.flowguard.flink;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.score.Scorer;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The models loaded in this JVM (a Flink TaskManager), by version, shared by every parallel scoring instance that
 * runs in it: a version is loaded once however many slots serve it, and its native memory is freed when the last
 * instance lets go of it (a swap away from it, or the task closing). Reference-counted; the count is per
 * {@link Handle}, and a handle is what a {@code ModelSlot} owns, so a model replaced by a swap stays loaded until
 * the last batch that leased it has ended.
 *
 * <p>Static state is deliberate: Flink gives each parallel instance its own operator object, and DJL's native
 * library can be loaded once per JVM only, so the JVM is the unit that owns the models. With the job jar loaded by
 * Flink's child-first user class loader the registry is per job and TaskManager.
 */
public final class SharedModels {

    private static final class Entry {
        final LoadedModel model;
        final Scorer scorer;
        int refs;

        Entry(LoadedModel model) {
            this.model = model;
            this.scorer = model.scorer();
        }
    }

    private static final Map<String, Entry> MODELS = new HashMap<>();

    private SharedModels() {}

    /** One instance's hold on a shared model; closing it drops the reference (idempotent). */
    public static final class Handle implements AutoCloseable {
        private final String version;
        private final Entry entry;
        private boolean open = true;

        private Handle(String version, Entry entry) {
            this.version = version;
            this.entry = entry;
        }

        public Scorer scorer() {
            return entry.scorer;
        }

        public String version() {
            return version;
        }

        @Override
        public void close() {
            synchronized (MODELS) {
                if (!open) {
                    return;
                }
                open = false;
                if (--entry.refs == 0) {
                    MODELS.remove(version);
                    entry.model.close();
                }
            }
        }
    }

    /**
     * A hold on model {@code version}, loading it with {@code load} when no instance in this JVM has it. Loading
     * runs under the registry's lock: the other instances asking for the same release wait for it instead of loading
     * a copy each. A failing load leaves the registry as it was and throws.
     *
     * @param load loads (and verifies) the model; must return the model of {@code version}
     */
    public static Handle acquire(String version, Supplier<LoadedModel> load) {
        synchronized (MODELS) {
            Entry e = MODELS.get(version);
            if (e == null) {
                LoadedModel model = load.get();
                if (!model.version().equals(version)) {
                    model.close();
                    throw new FlowGuardException("expected model version " + version + ", got " + model.version());
                }
                e = new Entry(model);
                MODELS.put(version, e);
            }
            e.refs++;
            return new Handle(version, e);
        }
    }

    /** Versions now loaded in this JVM. */
    public static int loaded() {
        synchronized (MODELS) {
            return MODELS.size();
        }
    }

    /** Holds on {@code version} in this JVM (0 when it is not loaded). */
    public static int references(String version) {
        synchronized (MODELS) {
            Entry e = MODELS.get(version);
            return e == null ? 0 : e.refs;
        }
    }
}
