package io.flowguard.stream;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The scorer's Prometheus metrics, in their own registry (several scorers may share a JVM in tests). Names follow
 * the client's conventions: one {@code flowguard_} prefix, base units, {@code _total} on counters, and only
 * low-cardinality labels (a reason, a model version; never an entity key).
 */
public final class StreamMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter eventsScored = Counter.builder().name("flowguard_events_scored_total")
            .help("Events scored and written to the scores topic.").register(registry);
    final Counter deadLettered = Counter.builder().name("flowguard_records_dead_lettered_total")
            .help("Input records sent to the dead-letter topic, by reason.").labelNames("reason").register(registry);
    final Counter alerts = Counter.builder().name("flowguard_alerts_total")
            .help("Alerts written to the alerts topic, by reason.").labelNames("reason").register(registry);
    final Histogram batchSize = Histogram.builder().name("flowguard_scoring_batch_events")
            .help("Events per scoring batch.").classicOnly()
            .classicUpperBounds(1, 8, 32, 64, 128, 256, 512, 1024, 2048).register(registry);
    final Histogram scoringLatency = Histogram.builder().name("flowguard_scoring_batch_duration_seconds")
            .help("Wall time to score one batch (flow forward pass and verdicts).").classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1).register(registry);
    final Histogram eventLag = Histogram.builder().name("flowguard_event_lag_seconds")
            .help("Event time to the moment its score was handed to the producer.").classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60).register(registry);
    /** Quantiles over the newest 65,536 scored events of the last 5 minutes; count and sum over all. */
    final RecentQuantiles logLikelihood = register(new RecentQuantiles("flowguard_log_likelihood_nats",
            "Log-likelihood of scored events in nats (quantiles over the newest 65536 events of the last 5 minutes).",
            65_536, 300_000, System::currentTimeMillis, 0.01, 0.5, 0.99));
    final Counter swaps = Counter.builder().name("flowguard_model_swaps_total")
            .help("Model releases taken up (swapped) or refused (refused_<reason>: missing, corrupt, checksum, "
                    + "signature, features, kind, nonfinite).").labelNames("outcome").register(registry);
    final Gauge releaseTime = Gauge.builder().name("flowguard_model_release_timestamp_seconds")
            .help("Creation time of the release now serving (Unix seconds; 0 when it came from the command line).")
            .register(registry);
    final Gauge swapTime = Gauge.builder().name("flowguard_model_swap_timestamp_seconds")
            .help("Unix time of the last successful model swap (or of the start).").register(registry);
    final Gauge falseAlarmRate = Gauge.builder().name("flowguard_policy_false_alarm_rate")
            .help("The decision policy's target false-alarm rate per normal event.").register(registry);
    final Gauge thresholds = Gauge.builder().name("flowguard_calibration_log_likelihood_threshold_nats")
            .help("The serving model's calibrated per-event log-likelihood thresholds (bound low: LOW_DENSITY "
                    + "below it; high: HIGH_DENSITY_ATYPICAL above it).").labelNames("bound").register(registry);
    final Gauge swapBatch = Gauge.builder().name("flowguard_model_swap_first_batch_seconds")
            .help("Wall time of the first batch scored after the last model swap (what the swap cost the stream).")
            .register(registry);
    private final java.util.concurrent.atomic.DoubleAccumulator maxSwapBatch =
            new java.util.concurrent.atomic.DoubleAccumulator(Math::max, 0);
    private final java.util.concurrent.atomic.DoubleAccumulator maxOtherBatch =
            new java.util.concurrent.atomic.DoubleAccumulator(Math::max, 0);
    private final Info modelInfo = Info.builder().name("flowguard_model_info")
            .help("The model release now scoring.").labelNames("version", "kind").register(registry);

    public StreamMetrics() {
        // every series from the start, so that rate() and increase() see the first one of each kind
        for (String outcome : new String[] {"swapped", "refused_missing", "refused_corrupt", "refused_checksum",
            "refused_signature", "refused_features", "refused_kind", "refused_nonfinite"}) {
            swaps.labelValues(outcome);
        }
        for (String reason : new String[] {"LOW_DENSITY", "HIGH_DENSITY_ATYPICAL", "WINDOW_TYPICALITY"}) {
            alerts.labelValues(reason);
        }
        for (io.flowguard.schemas.DeadLetterReason reason : io.flowguard.schemas.DeadLetterReason.values()) {
            deadLettered.labelValues(reason.name());
        }
    }

    private <C extends io.prometheus.metrics.model.registry.Collector> C register(C collector) {
        registry.register(collector);
        return collector;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    void modelLoaded(String version, String kind) {
        modelInfo.setLabelValues(version, kind);
    }

    /** Exposes {@code lag} (records behind on the events topic) as {@code flowguard_scorer_consumer_lag_records}. */
    void consumerLag(java.util.function.DoubleSupplier lag) {
        GaugeWithCallback.builder().name("flowguard_scorer_consumer_lag_records")
                .help("Records the scorer is behind on its input topic, summed over its partitions.")
                .callback(cb -> cb.call(lag.getAsDouble())).register(registry);
    }

    /** One batch's wall time; {@code firstAfterSwap} when it was the first one scored with a newly swapped model. */
    void batchDone(double seconds, boolean firstAfterSwap) {
        if (firstAfterSwap) {
            swapBatch.set(seconds);
            maxSwapBatch.accumulate(seconds);
        } else {
            maxOtherBatch.accumulate(seconds);
        }
    }

    /** The longest first-batch-after-a-swap and the longest other batch since {@link #resetBatchMaxima} (seconds). */
    public double[] batchMaxima() {
        return new double[] {maxSwapBatch.get(), maxOtherBatch.get()};
    }

    public void resetBatchMaxima() {
        maxSwapBatch.reset();
        maxOtherBatch.reset();
    }

    /** Swaps so far with {@code outcome} (swapped, refused_checksum, ...). */
    public double swaps(String outcome) {
        return swaps.labelValues(outcome).get();
    }

    /** Serves {@code /metrics} on {@code host:port} (port 0 picks a free one); close the server to stop. */
    public HTTPServer serve(String host, int port) {
        try {
            return HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + host + ":" + port, e);
        }
    }

    public double eventsScored() {
        return eventsScored.get();
    }

    public double deadLettered(String reason) {
        return deadLettered.labelValues(reason).get();
    }
}
