package io.flowguard.retrainer;

/**
 * A {@link RetrainerMetrics} in the state a started retrainer leaves it once a release serves (for the app
 * module's MetricsExportTest, which has no broker): the package-private constructor and {@code serving}.
 */
public final class RetrainerMetricsProbe {

    public static RetrainerMetrics serving(String version) {
        RetrainerMetrics m = new RetrainerMetrics();
        m.serving(version);
        return m;
    }

    private RetrainerMetricsProbe() {}
}
