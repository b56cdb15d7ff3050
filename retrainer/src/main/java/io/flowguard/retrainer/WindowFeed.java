package io.flowguard.retrainer;

import io.flowguard.schemas.Alert;
import io.flowguard.schemas.Event;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.RetrainRequest;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.Verdict;
import io.flowguard.schemas.WireCodec;
import io.flowguard.schemas.WireException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrainer's ingest thread: one read_committed consumer on the events, alerts, scores, requests and control
 * topics (assigned, no consumer group: the window is rebuilt from the newest events of every partition on start).
 * Events pass the {@link PoisoningGuard} into the {@link FreshWindow}; scores of the serving version feed the
 * {@link DriftMonitor}; requests and new serving pointers go to the {@link Retrainer}.
 */
final class WindowFeed implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(WindowFeed.class);

    private final RetrainerConfig config;
    private final RetrainerMetrics metrics;
    private final Retrainer owner;
    private final WireCodec<Event> events = WireCodec.of(Event.class);
    private final WireCodec<Alert> alerts = WireCodec.of(Alert.class);
    private final WireCodec<ScoreResult> scores = WireCodec.of(ScoreResult.class);
    private final WireCodec<RetrainRequest> requests = WireCodec.of(RetrainRequest.class);
    private final WireCodec<ModelRelease> releases = WireCodec.of(ModelRelease.class);
    private final PoisoningGuard guard;
    private final DriftMonitor drift;
    private final Object windowLock = new Object();
    private volatile boolean stopped;
    private volatile String[] names;
    private FreshWindow window;
    private float[] row;
    private long unusable;
    private long countedExcluded;
    /** Scores decoded per second at most, for the drift monitor. */
    static final int SCORES_PER_SECOND = 5000;
    private int scoreBudget = SCORES_PER_SECOND;

    WindowFeed(RetrainerConfig config, RetrainerMetrics metrics, Retrainer owner, List<String> featureNames) {
        this.config = config;
        this.metrics = metrics;
        this.owner = owner;
        this.guard = new PoisoningGuard(config.alertGrace().toMillis(), 200_000);
        this.drift = new DriftMonitor(config.driftWindow(), config.driftShiftSd(), config.driftSpreadFactor(),
                config.driftAlertRate(), config.driftSustain().toMillis());
        if (!featureNames.isEmpty()) {
            resetWindow(featureNames.toArray(String[]::new));
        }
        Serving s = owner.serving();
        if (s != null) {
            drift.serving(s.version(), s.model().manifest().calibration());
        }
    }

    String[] names() {
        return names;
    }

    private void resetWindow(String[] featureNames) {
        synchronized (windowLock) {
            if (window != null) {
                window.close();
            }
            names = featureNames;
            row = new float[featureNames.length];
            window = new FreshWindow(config.windowEvents(), featureNames.length, config.windowHorizon(),
                    RowSlab.allocate(config.windowEvents(), featureNames.length, config.memoryCapBytes(),
                            config.store().resolve("spill")));
        }
    }

    /** A new serving model: its scores are what the drift monitor watches from now on. */
    void servingChanged(Serving s) {
        synchronized (drift) {
            drift.serving(s.version(), s.model().manifest().calibration());
        }
        String[] next = s.model().flow().schema().names();
        if (names == null || !java.util.Arrays.equals(names, next)) {
            LOG.info("serving model {} has features {}: the window starts afresh", s.version(), List.of(next));
            resetWindow(next);
        }
    }

    /** The window's events that entered it at or after {@code sinceMs} (wall clock), split for the gate. */
    FreshWindow.Snapshot snapshot(long sinceMs) {
        synchronized (windowLock) {
            if (window == null) {
                throw new IllegalStateException("expected a training window, got none (no events yet)");
            }
            return window.snapshot(config.holdoutFraction(), System.nanoTime(), sinceMs);
        }
    }

    int eventsSince(long sinceMs) {
        synchronized (windowLock) {
            return window == null ? 0 : window.eventsSince(sinceMs);
        }
    }

    /** When the drift now sustained began (wall clock), or -1. */
    long driftOnsetMs() {
        synchronized (drift) {
            return drift.aboveSinceMs();
        }
    }

    void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> consumer = ControlTopic.consumer(config.bootstrapServers())) {
            assign(consumer);
            long nextTick = 0;
            while (!stopped) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    dispatch(r);
                }
                long now = System.currentTimeMillis();
                guard.release(now, drift.lastScore() < 1, this::admit);
                if (now >= nextTick) {
                    nextTick = now + 1000;
                    scoreBudget = SCORES_PER_SECOND;
                    boolean drifting;
                    synchronized (drift) {
                        drifting = drift.drifting(now);
                    }
                    int size;
                    synchronized (windowLock) {
                        size = window == null ? 0 : window.size();
                    }
                    metrics.windowEvents.set(size);
                    long excluded = guard.excluded();
                    metrics.excluded.labelValues("alerted").inc(excluded - countedExcluded);
                    countedExcluded = excluded;
                    metrics.drift.set(drift.lastScore());
                    owner.tick(now, drifting, size);
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("retrainer feed stopped: {}", e.toString(), e);
        } finally {
            synchronized (windowLock) {
                if (window != null) {
                    window.close();
                }
            }
        }
    }

    /** Events and alerts from the newest window's worth of every partition; scores and requests from now. */
    private void assign(KafkaConsumer<byte[], byte[]> consumer) {
        List<TopicPartition> all = new ArrayList<>();
        Map<String, List<TopicPartition>> byTopic = new HashMap<>();
        for (String topic : new TreeSet<>(List.of(config.eventsTopic(), config.alertsTopic(), config.scoresTopic(),
                config.requestsTopic(), config.controlTopic()))) {
            List<TopicPartition> parts = ControlTopic.partitions(consumer, topic);
            byTopic.put(topic, parts);
            all.addAll(parts);
        }
        consumer.assign(all);
        for (String topic : List.of(config.eventsTopic(), config.alertsTopic())) {
            List<TopicPartition> parts = byTopic.get(topic);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            for (TopicPartition tp : parts) {
                consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - config.windowEvents()));
            }
        }
        consumer.seekToEnd(byTopic.get(config.scoresTopic()));
        consumer.seekToEnd(byTopic.get(config.requestsTopic()));
        consumer.seekToBeginning(byTopic.get(config.controlTopic()));
    }

    private void dispatch(ConsumerRecord<byte[], byte[]> r) {
        String topic = r.topic();
        try {
            if (topic.equals(config.eventsTopic())) {
                guard.event(System.currentTimeMillis(), events.decode(r.value()));
            } else if (topic.equals(config.alertsTopic())) {
                guard.alerted(alerts.decode(r.value()).getEventId());
            } else if (topic.equals(config.scoresTopic())) {
                if (scoreBudget <= 0) {
                    return; // drift needs a sample of the scores, not every one: decoding all cost a core at 20k/s
                }
                scoreBudget--;
                ScoreResult s = scores.decode(r.value());
                synchronized (drift) {
                    drift.add(s.getModelVersion(), s.getLogLikelihood(), s.getVerdict() != Verdict.NORMAL);
                }
            } else if (topic.equals(config.requestsTopic())) {
                if (requests.decode(r.value()).getModelName().equals(config.modelName())) {
                    LOG.info("refit requested");
                    owner.requestRefit();
                }
            } else if (topic.equals(config.controlTopic()) && r.key() != null && r.value() != null) {
                String key = new String(r.key(), StandardCharsets.UTF_8);
                ModelRelease release = releases.decode(r.value());
                if (key.equals(ReleaseKeys.pointer(config.modelName()))
                        && release.getStatus() == ReleaseStatus.APPROVED) {
                    owner.adopt(release);
                }
            }
        } catch (WireException e) {
            if (topic.equals(config.eventsTopic())) {
                unusable++;
                metrics.excluded.labelValues("unusable").inc();
            }
        }
    }

    private void admit(Event e) {
        if (names == null) {
            TreeSet<String> keys = new TreeSet<>(e.getFeatures().keySet());
            LOG.info("no serving model: the window takes the first event's features {}", keys);
            resetWindow(keys.toArray(String[]::new));
        }
        Map<String, Double> features = e.getFeatures();
        for (int j = 0; j < names.length; j++) {
            Double v = features.get(names[j]);
            if (v == null || !Double.isFinite(v) || Math.abs(v) > Float.MAX_VALUE) {
                unusable++;
                metrics.excluded.labelValues("unusable").inc();
                return;
            }
            row[j] = (float) (double) v;
        }
        synchronized (windowLock) {
            window.add(e.getKey(), e.getEventTime().toEpochMilli(), row, System.currentTimeMillis());
        }
    }
}
