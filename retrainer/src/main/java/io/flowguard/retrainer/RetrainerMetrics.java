package io.flowguard.retrainer;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The retrainer's Prometheus metrics, in their own registry (the demo runs it beside a scorer in one JVM). */
public final class RetrainerMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter refits = Counter.builder().name("flowguard_retrainer_refits_total")
            .help("Refits by trigger (schedule, drift, request) and outcome (approved, rejected, failed).")
            .labelNames("trigger", "outcome").register(registry);
    final Histogram trainingSeconds = Histogram.builder().name("flowguard_retrainer_training_seconds")
            .help("Wall time of one refit: training, calibration and the validation gate.").classicOnly()
            .classicUpperBounds(1, 5, 10, 30, 60, 120, 300, 600, 1800).register(registry);
    final Gauge windowEvents = Gauge.builder().name("flowguard_retrainer_window_events")
            .help("Events in the training window.").register(registry);
    final Counter excluded = Counter.builder().name("flowguard_retrainer_events_excluded_total")
            .help("Events kept out of the training window, by reason (alerted: the serving model flagged them; "
                    + "unusable: missing or non-finite features).").labelNames("reason").register(registry);
    final Gauge lastRefit = Gauge.builder().name("flowguard_retrainer_last_refit_timestamp_seconds")
            .help("Unix time of the last refit that passed the validation gate.").register(registry);
    final Gauge lastRelease = Gauge.builder().name("flowguard_retrainer_last_release_timestamp_seconds")
            .help("Unix time of the last release published as serving.").register(registry);
    final Gauge inProgress = Gauge.builder().name("flowguard_retrainer_refit_in_progress")
            .help("1 while a refit runs.").register(registry);
    final Gauge epoch = Gauge.builder().name("flowguard_retrainer_training_epoch")
            .help("Epoch of the refit now running (0 when none).").register(registry);
    final Gauge drift = Gauge.builder().name("flowguard_retrainer_drift_score")
            .help("Drift statistic of the live scores against the serving model's calibration (drift at 1).")
            .register(registry);
    final Gauge schedule = Gauge.builder().name("flowguard_retrainer_schedule_seconds")
            .help("Configured refit interval in seconds (0: no schedule).").register(registry);
    private final Info serving = Info.builder().name("flowguard_retrainer_serving_info")
            .help("The release the retrainer believes is serving.").labelNames("version").register(registry);

    public PrometheusRegistry registry() {
        return registry;
    }

    void serving(String version) {
        serving.setLabelValues(version);
    }

    /** Serves {@code /metrics} on {@code host:port} (port 0 picks a free one); close the server to stop. */
    public HTTPServer serve(String host, int port) {
        try {
            return HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port, e);
        }
    }

    RetrainerMetrics() {
        // every series from the start, so that rate() and increase() see the first refit of each kind
        for (String trigger : new String[] {"schedule", "drift", "request", "bootstrap"}) {
            for (String outcome : new String[] {"approved", "rejected", "failed"}) {
                refits.labelValues(trigger, outcome);
            }
        }
        excluded.labelValues("alerted");
        excluded.labelValues("unusable");
    }

    /** The drift statistic now (1 = drift). */
    public double driftScore() {
        return drift.get();
    }

    /** Refits so far with {@code outcome}, over all triggers (tests, the demo's console). */
    public double refits(String trigger, String outcome) {
        return refits.labelValues(trigger, outcome).get();
    }
}
