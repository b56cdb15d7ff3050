package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentQuantilesTest {

    private final AtomicLong now = new AtomicLong(1_000_000);

    private static SummarySnapshot.SummaryDataPointSnapshot point(RecentQuantiles q) {
        return ((SummarySnapshot) q.collect()).getDataPoints().get(0);
    }

    @Test
    void quantilesAreTheNearestRanksOfTheRecentValuesAndCountAndSumCoverAll() {
        RecentQuantiles q = new RecentQuantiles("x", "help", 1000, 60_000, now::get, 0.01, 0.5, 0.99);
        SplittableRandom random = new SplittableRandom(3);
        double[] all = new double[2500];
        double sum = 0;
        for (int b = 0; b < 5; b++) { // five batches of 500: the ring keeps the newest 1,000
            double[] batch = new double[512];
            for (int i = 0; i < 500; i++) {
                batch[i] = random.nextGaussian();
                all[b * 500 + i] = batch[i];
                sum += batch[i];
            }
            q.observe(batch, 500);
        }
        double[] recent = Arrays.copyOfRange(all, 1500, 2500);
        Arrays.sort(recent);
        var p = point(q);
        assertEquals(2500, p.getCount());
        assertEquals(sum, p.getSum(), 1e-9);
        assertEquals(recent[9], p.getQuantiles().get(0).getValue()); // rank ceil(0.01 * 1000) = 10
        assertEquals(recent[499], p.getQuantiles().get(1).getValue());
        assertEquals(recent[989], p.getQuantiles().get(2).getValue());
    }

    @Test
    void valuesOlderThanTheMaximumAgeLeaveTheQuantiles() {
        RecentQuantiles q = new RecentQuantiles("x", "help", 1000, 60_000, now::get, 0.5);
        q.observe(new double[] {100, 100, 100}, 3);
        now.addAndGet(59_000);
        q.observe(new double[] {1, 2, 3}, 3);
        assertEquals(3, point(q).getQuantiles().get(0).getValue()); // rank 3 of 1, 2, 3, 100, 100, 100
        now.addAndGet(2_000);
        assertEquals(2, point(q).getQuantiles().get(0).getValue()); // the 100s are 61 s old: rank 2 of 1, 2, 3
        now.addAndGet(60_000);
        assertTrue(Double.isNaN(point(q).getQuantiles().get(0).getValue()));
        assertEquals(6, point(q).getCount());
    }

    @Test
    void exposedAsASummaryInTheTextFormat() throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        RecentQuantiles q = new RecentQuantiles("flowguard_log_likelihood_nats", "Log-likelihood.", 100, 60_000,
                now::get, 0.5);
        registry.register(q);
        q.observe(new double[] {-3, -1, -2}, 3);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("# TYPE flowguard_log_likelihood_nats summary"), text);
        assertTrue(text.contains("flowguard_log_likelihood_nats{quantile=\"0.5\"} -2.0"), text);
        assertTrue(text.contains("flowguard_log_likelihood_nats_count 3"), text);
        assertTrue(text.contains("flowguard_log_likelihood_nats_sum -6.0"), text);
    }
}
