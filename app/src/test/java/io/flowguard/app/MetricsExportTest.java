package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.retrainer.RetrainerMetricsProbe;
import io.flowguard.stream.StreamMetricsProbe;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every metric name in {@code ops/metrics.txt} (the names the alert rules and the dashboards may use) is exported:
 * the scorer's {@code StreamMetrics} and the retrainer's {@code RetrainerMetrics} are served on loopback as the
 * services serve them, scraped over HTTP, and each name must be a sample name of the scrape
 * ({@code flowguard_retrainer_*} from the retrainer, the rest from the scorer). Histograms appear as their
 * {@code _bucket}/{@code _count}/{@code _sum} series, summaries under their base name (quantiles) and
 * {@code _count}/{@code _sum}, counters with {@code _total}; metrics.txt lists them that way.
 */
class MetricsExportTest {

    @Test
    void everyNameInOpsMetricsTxtIsExportedByTheScorerOrTheRetrainer() throws Exception {
        List<String> names = Files.readAllLines(OpsFiles.OPS.resolve("metrics.txt")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertTrue(names.size() > 20, "ops/metrics.txt: expected the metric names, got " + names);
        String scorer;
        try (HTTPServer server = StreamMetricsProbe.started("v-test", "MAF", -30.0, -2.0, 1e-4, 7).serve(
                "127.0.0.1", 0)) {
            scorer = scrape(server.getPort());
        }
        String retrainer;
        try (HTTPServer server = RetrainerMetricsProbe.serving("v-test").serve("127.0.0.1", 0)) {
            retrainer = scrape(server.getPort());
        }
        Set<String> scorerNames = sampleNames(scorer);
        Set<String> retrainerNames = sampleNames(retrainer);
        Set<String> missing = new TreeSet<>();
        for (String name : names) {
            boolean ofRetrainer = name.startsWith("flowguard_retrainer_");
            if (!(ofRetrainer ? retrainerNames : scorerNames).contains(name)) {
                missing.add(name + (ofRetrainer ? " (retrainer)" : " (scorer)"));
            }
        }
        assertEquals(Set.of(), missing, "named in ops/metrics.txt but not exported; scorer exports " + scorerNames
                + ", retrainer " + retrainerNames);
        assertTrue(scorer.contains("flowguard_scorer_consumer_lag_records 7.0"), scorer);
        assertTrue(scorer.contains("flowguard_model_info{kind=\"MAF\",version=\"v-test\"} 1"), scorer);
    }

    private static String scrape(int port) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/metrics")).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "GET /metrics on " + port);
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                "Prometheus text format expected, got " + r.headers().firstValue("Content-Type"));
        return r.body();
    }

    /** The metric names of the sample lines (not the # HELP / # TYPE lines) of a text-format scrape. */
    private static Set<String> sampleNames(String text) {
        Set<String> names = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }
}
