package io.flowguard.stream;

/**
 * A {@link StreamMetrics} in the state a started scorer leaves it (for the app module's MetricsExportTest, which
 * has no broker and no model): what {@code ScoringService}'s constructor sets through the package-private members.
 */
public final class StreamMetricsProbe {

    /** Model info, swap time, calibrated thresholds, the policy's rate and a consumer-lag callback, as at start. */
    public static StreamMetrics started(String version, String kind, double lowNats, double highNats,
            double falseAlarmRate, double lagRecords) {
        StreamMetrics m = new StreamMetrics();
        m.falseAlarmRate.set(falseAlarmRate);
        m.modelLoaded(version, kind);
        m.swapTime.set(System.currentTimeMillis() / 1e3);
        m.thresholds.labelValues("low").set(lowNats);
        m.thresholds.labelValues("high").set(highNats);
        m.consumerLag(() -> lagRecords);
        return m;
    }

    private StreamMetricsProbe() {}
}
