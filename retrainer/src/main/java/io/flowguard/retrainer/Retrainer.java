package io.flowguard.retrainer;

import ai.djl.Device;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.checkpoint.CheckpointStore;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.ReleaseSigner;
import io.flowguard.model.checkpoint.StoredCheckpoint;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.train.TrainingListener;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrainer service: an ingest thread ({@link WindowFeed}) keeps the fresh window, the poisoning guard and the
 * drift monitor up to date and asks for refits; a refit thread runs one {@link Refit} at a time. Triggers: the
 * schedule, sustained drift, operator requests ({@code flowguard model retrain}) and, when nothing serves yet, a full
 * enough window (bootstrap). Automatic triggers respect the minimum interval between refits; a request waits only
 * for a running refit to end. On start it reads the control topic to learn which release serves (publishing the
 * initial checkpoint when there is none), and rebuilds its window from the events topic, so a restart, even after a
 * kill, carries on where it was: the store drops partial files, and records only ever name durable checkpoints.
 */
public final class Retrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Retrainer.class);

    private final RetrainerConfig config;
    private final RetrainerMetrics metrics = new RetrainerMetrics();
    private final CheckpointStore store;
    private final ControlTopic control;
    private final Refit refit;
    private final Device device;
    private final AtomicReference<Serving> serving = new AtomicReference<>();
    private final AtomicBoolean refitting = new AtomicBoolean();
    private final AtomicBoolean requested = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread refitThread;
    private final Object refitSignal = new Object();
    private final List<LoadedModel> parked = new java.util.ArrayList<>();
    private volatile String nextTrigger;
    private volatile long lastRefitStartMs;
    private volatile long lastRefitEndMs;
    private volatile String previousVersion;
    private volatile long driftSince = Long.MIN_VALUE;
    private volatile java.util.function.Consumer<String> console = line -> { };
    private WindowFeed feed;
    private Thread feedThread;

    public Retrainer(RetrainerConfig config) {
        this.config = config;
        try {
            Files.createDirectories(config.store());
        } catch (java.io.IOException e) {
            throw new FlowGuardException("flowguard.retrainer.store: cannot create " + config.store() + ": " + e);
        }
        this.store = new LocalCheckpointStore(config.store());
        this.device = Devices.select("auto");
        this.control = new ControlTopic(config.bootstrapServers(), config.controlTopic(),
                "flowguard-retrainer-" + config.modelName());
        ReleaseSigner signer = config.signingKey() == null ? null : ReleaseSigner.load(config.signingKey());
        this.refit = new Refit(config, store, control, signer, device);
        this.refitThread = new Thread(this::refitLoop, "flowguard-retrainer-refit");
        this.refitThread.setDaemon(true);
        metrics.schedule.set(config.schedule().toSeconds());
        lastRefitStartMs = System.currentTimeMillis();
    }

    public RetrainerMetrics metrics() {
        return metrics;
    }

    /** Receives one human-readable line per step of each refit (the demo prints them). */
    public void onProgress(java.util.function.Consumer<String> lines) {
        console = lines;
    }

    /** Learns (or bootstraps) the serving release, then starts the ingest and refit threads. */
    public void start() {
        if (config.trainThreads() > 0) {
            Devices.setIntraOpThreads(config.trainThreads());
        }
        Map<String, ModelRelease> releases = ControlTopic.readAll(config.bootstrapServers(), config.controlTopic(),
                Duration.ofSeconds(60));
        ModelRelease pointer = releases.get(ReleaseKeys.pointer(config.modelName()));
        if (pointer == null && config.initialCheckpoint() != null) {
            pointer = bootstrap(config.initialCheckpoint());
        }
        if (pointer != null) {
            adopt(pointer);
        }
        List<String> names = serving.get() != null ? List.of(serving.get().model().flow().schema().names())
                : config.featureNames();
        feed = new WindowFeed(config, metrics, this, names);
        feedThread = new Thread(feed, "flowguard-retrainer-feed");
        feedThread.setDaemon(true);
        feedThread.start();
        refitThread.start();
        LOG.info("retrainer for model '{}' started: serving {}, window {} events{}, schedule {}, store {}",
                config.modelName(), serving.get() == null ? "nothing yet" : serving.get().version(),
                config.windowEvents(), config.windowHorizon().isZero() ? "" : " / " + config.windowHorizon(),
                config.schedule().isZero() ? "off" : config.schedule(), config.store());
    }

    /** Publishes {@code checkpoint} as the first serving release (trigger bootstrap). */
    private ModelRelease bootstrap(Path checkpoint) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(checkpoint);
        } catch (java.io.IOException e) {
            throw new FlowGuardException("flowguard.retrainer.initial-checkpoint: cannot read " + checkpoint + ": "
                    + e);
        }
        StoredCheckpoint stored = store.put(bytes);
        try (LoadedModel model = Checkpoints.load(bytes, checkpoint.toString(), Device.cpu())) {
            ModelRelease release = refit.release(stored, model.flow().spec().kind().name(),
                    model.flow().schema().names(), "bootstrap", null, null, Map.of(), ReleaseStatus.APPROVED,
                    "initial checkpoint " + checkpoint.getFileName(), Instant.now());
            Map<String, ModelRelease> records = new LinkedHashMap<>();
            records.put(ReleaseKeys.history(config.modelName(), stored.version()), release);
            records.put(ReleaseKeys.pointer(config.modelName()), release);
            control.publish(records);
            LOG.info("published initial checkpoint {} as release {}", checkpoint, stored.version());
            metrics.lastRelease.set(System.currentTimeMillis() / 1e3);
            return release;
        }
    }

    /** Makes {@code release} the serving model here (from the control topic or our own approval). */
    void adopt(ModelRelease release) {
        Serving now = serving.get();
        if (now != null && now.version().equals(release.getVersion())) {
            return;
        }
        LoadedModel model;
        try {
            model = Checkpoints.load(store.read(release.getCheckpointUri()), release.getCheckpointUri(), device);
        } catch (RuntimeException e) {
            LOG.warn("cannot load serving release {}: {}", release.getVersion(), e.getMessage());
            return;
        }
        adopt(new Serving(model, release));
    }

    private void adopt(Serving next) {
        Serving old = serving.getAndSet(next);
        metrics.serving(next.version());
        if (old != null) {
            previousVersion = old.version();
            if (feed != null) {
                feed.servingChanged(next);
            }
            retire(old.model());
        } else if (feed != null) {
            feed.servingChanged(next);
        }
    }

    /**
     * Frees a replaced model, or, while a refit runs (its gate or warm start may be using it), parks it until the
     * refit ends.
     */
    private void retire(LoadedModel model) {
        synchronized (parked) {
            if (refitting.get()) {
                parked.add(model);
                return;
            }
        }
        model.close();
    }

    private void closeParked() {
        synchronized (parked) {
            parked.forEach(LoadedModel::close);
            parked.clear();
        }
    }

    Serving serving() {
        return serving.get();
    }

    /** Called by the feed thread about once a second. */
    void tick(long nowMs, boolean drifting, int windowSize) {
        if (refitting.get() || windowSize < config.minEvents()) {
            return;
        }
        String trigger = null;
        if (requested.getAndSet(false)) {
            trigger = "request";
        } else if (serving.get() == null) {
            trigger = "bootstrap";
        } else if (nowMs - lastRefitEndMs >= config.minInterval().toMillis()) {
            if (!config.schedule().isZero() && nowMs - lastRefitStartMs >= config.schedule().toMillis()) {
                trigger = "schedule";
            } else if (drifting) {
                // train on the new regime only: the events that entered the window after the drift began
                long since = feed.driftOnsetMs() + config.alertGrace().toMillis();
                if (feed.eventsSince(since) >= config.minEvents()) {
                    trigger = "drift";
                    driftSince = since;
                }
            }
        }
        if (trigger != null) {
            startRefit(trigger);
        }
    }

    /** Asks for a refit now ({@code flowguard model retrain}); runs when the current one, if any, ends. */
    public void requestRefit() {
        requested.set(true);
    }

    private void startRefit(String trigger) {
        if (!refitting.compareAndSet(false, true)) {
            return;
        }
        metrics.inProgress.set(1);
        lastRefitStartMs = System.currentTimeMillis();
        synchronized (refitSignal) {
            nextTrigger = trigger;
            refitSignal.notifyAll();
        }
    }

    private void refitLoop() {
        while (!closed.get()) {
            String trigger;
            synchronized (refitSignal) {
                while (nextTrigger == null && !closed.get()) {
                    try {
                        refitSignal.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                trigger = nextTrigger;
                nextTrigger = null;
            }
            if (trigger != null) {
                runRefit(trigger);
            }
        }
    }

    private void runRefit(String trigger) {
        long t0 = System.nanoTime();
        String outcome = "failed";
        try {
            FreshWindow.Snapshot snapshot = feed.snapshot(trigger.equals("drift") ? driftSince : Long.MIN_VALUE);
            Serving current = serving.get();
            LOG.info("refit ({}) started on {} events ({} train, {} holdout), serving {}", trigger,
                    snapshot.events(), snapshot.train().rows(), snapshot.holdout().rows(),
                    current == null ? "nothing" : current.version());
            console.accept(String.format(java.util.Locale.ROOT, "refit started (trigger %s, drift score %.2f) on "
                    + "%,d window events (%,d held out for the gate)", trigger, metrics.drift.get(),
                    snapshot.events(), snapshot.holdout().rows()));
            TrainingListener listener = e -> {
                metrics.epoch.set(e.epoch());
                if (e.epoch() % 10 == 0) {
                    console.accept(String.format(java.util.Locale.ROOT, "refit epoch %d/%d: validation NLL %.3f",
                            e.epoch(), e.maxEpochs(), e.validationNll()));
                }
                if (e.epoch() == 1 || e.epoch() % 5 == 0) {
                    LOG.info("refit ({}): epoch {}/{} train NLL {} validation NLL {}", trigger, e.epoch(),
                            e.maxEpochs(), String.format("%.4f", e.trainNll()),
                            String.format("%.4f", e.validationNll()));
                }
            };
            Refit.Outcome result = refit.run(trigger, snapshot, feed.names(), current, listener);
            outcome = result.verdict().approved() ? "approved" : "rejected";
            console.accept(String.format(java.util.Locale.ROOT, "gate: candidate %s %s in %.0f s: %s",
                    result.version(), result.verdict().approved() ? "APPROVED and released" : "REJECTED",
                    (System.nanoTime() - t0) / 1e9, result.verdict().reason()));
            if (result.approved() != null) {
                metrics.lastRefit.set(System.currentTimeMillis() / 1e3);
                metrics.lastRelease.set(System.currentTimeMillis() / 1e3);
                adopt(new Serving(result.approved(), result.release()));
                retain();
            }
        } catch (RuntimeException e) {
            LOG.warn("refit ({}) failed: {}", trigger, e.toString(), e);
            console.accept("refit failed: " + e);
        } finally {
            metrics.refits.labelValues(trigger, outcome).inc();
            metrics.trainingSeconds.observe((System.nanoTime() - t0) / 1e9);
            metrics.inProgress.set(0);
            metrics.epoch.set(0);
            lastRefitEndMs = System.currentTimeMillis();
            synchronized (parked) {
                refitting.set(false);
            }
            closeParked();
        }
    }

    /** Keeps the newest {@code retain} checkpoints (never the serving one or the one before it). */
    private void retain() {
        Set<String> keep = new HashSet<>();
        Serving s = serving.get();
        if (s != null) {
            keep.add(s.version());
        }
        if (previousVersion != null) {
            keep.add(previousVersion);
        }
        List<StoredCheckpoint> deleted = store.retain(config.retain(), keep);
        if (!deleted.isEmpty()) {
            Map<String, ModelRelease> tombstones = new LinkedHashMap<>();
            for (StoredCheckpoint c : deleted) {
                tombstones.put(ReleaseKeys.history(config.modelName(), c.version()), null);
            }
            control.publish(tombstones);
            LOG.info("retention: removed {} old checkpoints", deleted.size());
        }
    }

    /** True while a refit runs (tests, bench). */
    public boolean refitting() {
        return refitting.get();
    }

    /** The version serving now, or null. */
    public String servingVersion() {
        Serving s = serving.get();
        return s == null ? null : s.version();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (feed != null) {
            feed.stop();
        }
        synchronized (refitSignal) {
            refitSignal.notifyAll();
        }
        try {
            if (feedThread != null) {
                feedThread.join(10_000);
            }
            refitThread.join(config.train().maxSeconds() > 0 ? (long) (config.train().maxSeconds() * 1000) + 30_000
                    : 600_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        control.close();
        Serving s = serving.getAndSet(null);
        if (s != null && !refitThread.isAlive()) {
            s.model().close();
        }
    }
}
