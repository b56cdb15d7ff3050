package io.flowguard.app;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertPolicy.Verdict;
import io.flowguard.model.score.Decision;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A self-contained HTML report (inline SVG, no scripts, no network) of how a model judges a file: the histogram of
 * {@code -log p(x)} for normal and flagged events with the calibrated thresholds and the typical band between them,
 * the latent norm against its chi-squared reference, and for 2-D data the learned density as a shaded contour map
 * with the events on it.
 */
@Command(name = "report", description = "Write an HTML report: NLL histograms of normal vs flagged events with the "
        + "thresholds and typical band, latent norms, and for 2-D data the learned density contours.")
final class ReportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint written by 'flowguard train'.")
    Path model;

    @Option(names = "--data", required = true, description = "CSV with the model's feature columns (by name).")
    Path data;

    @Option(names = "--out", defaultValue = "flowguard-report.html", description = "HTML file to write.")
    Path out;

    @Option(names = "--key-column", description = "Entity column: typicality windows run per key.")
    String keyColumn;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu|gpu:N")
    String device;

    @Mixin
    PolicyOptions policy;

    @Override
    public Integer call() {
        OutputFiles.check(out, "report");
        try (LoadedModel loaded = Checkpoints.load(model, Devices.select(device))) {
            String[] names = loaded.flow().schema().names();
            CsvTable table = CsvTable.read(data, Arrays.asList(names), null, keyColumn);
            Scorer scorer = loaded.scorer();
            Thresholds t = policy.thresholds(scorer, model);
            ScoreBatch batch = scorer.score(table.features());
            int n = batch.size();
            boolean[] flagged = new boolean[n];
            int[] counts = new int[Verdict.values().length];
            Decision[] decisions = t.decideAll(batch, table.keys(), scorer.modelVersion());
            for (int i = 0; i < n; i++) {
                Decision d = decisions[i];
                flagged[i] = d.alert();
                counts[d.verdict().ordinal()]++;
            }
            StringBuilder html = new StringBuilder();
            html.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>FlowGuard report</title><style>"
                    + "body{font-family:sans-serif;margin:2em;max-width:60em}td,th{padding:2px 10px;text-align:right}"
                    + "</style></head><body>");
            html.append("<h1>FlowGuard report</h1><p>model <code>").append(esc(model.toString())).append("</code> (")
                    .append(esc(scorer.modelVersion())).append(", ").append(names.length).append(" features), data <code>")
                    .append(esc(data.toString())).append("</code>, ").append(n).append(" events; ")
                    .append(t.policy().rule().name().toLowerCase(Locale.ROOT)).append(" rule at a target false-alarm rate of ")
                    .append(t.policy().falseAlarmRate()).append(".</p><table><tr><th>verdict</th><th>events</th></tr>");
            for (Verdict v : Verdict.values()) {
                html.append("<tr><td>").append(v.name()).append("</td><td>").append(counts[v.ordinal()])
                        .append("</td></tr>");
            }
            html.append("</table>");
            double[] nll = new double[n];
            double[] norms = new double[n];
            for (int i = 0; i < n; i++) {
                nll[i] = -batch.logLikelihood(i);
                norms[i] = batch.latentSquaredNorm(i);
            }
            html.append("<h2>-log p(x): normal vs flagged</h2><p>Grey: events judged normal; red: flagged. The "
                    + "shaded band between the thresholds is where held-out normal events lie; right of it is low "
                    + "density, left of it is the high-density paradox (too likely to be typical).</p>");
            html.append(Svg.histogram(nll, flagged, "-log p(x), nats", -t.highLogLikelihood(),
                    -t.lowLogLikelihood()));
            html.append("<h2>latent norm ||z||&sup2;</h2><p>For events from the model it is chi-squared with ")
                    .append(names.length).append(" degrees of freedom (mean ").append(names.length)
                    .append("); the line marks the guard on norms too close to the mode.</p>");
            html.append(Svg.histogram(norms, flagged, "||z||^2", t.lowLatentNorm(), Double.NaN));
            if (names.length == 2) {
                html.append("<h2>learned density</h2><p>Shading: log p(x) of the model (darker = denser) in "
                        + "contour bands; points: events (red = flagged).</p>");
                html.append(density(scorer, table.features(), flagged, names));
            }
            html.append("</body></html>\n");
            OutputFiles.write(out, "report", w -> w.append(html));
            System.out.printf(Locale.ROOT, "wrote %s: %d events, %d flagged%n", out, n,
                    n - counts[Verdict.NORMAL.ordinal()]);
        }
        return 0;
    }

    private static String density(Scorer scorer, Matrix events, boolean[] flagged, String[] names) {
        int grid = 80;
        float[] v = events.values();
        double[] lo = {Double.MAX_VALUE, Double.MAX_VALUE};
        double[] hi = {-Double.MAX_VALUE, -Double.MAX_VALUE};
        for (int i = 0; i < events.rows(); i++) {
            for (int j = 0; j < 2; j++) {
                lo[j] = Math.min(lo[j], v[2 * i + j]);
                hi[j] = Math.max(hi[j], v[2 * i + j]);
            }
        }
        for (int j = 0; j < 2; j++) {
            double pad = 0.1 * Math.max(1e-9, hi[j] - lo[j]);
            lo[j] -= pad;
            hi[j] += pad;
        }
        float[] cells = new float[grid * grid * 2];
        for (int a = 0; a < grid; a++) {
            for (int b = 0; b < grid; b++) {
                cells[2 * (a * grid + b)] = (float) (lo[0] + (b + 0.5) * (hi[0] - lo[0]) / grid);
                cells[2 * (a * grid + b) + 1] = (float) (hi[1] - (a + 0.5) * (hi[1] - lo[1]) / grid);
            }
        }
        ScoreBatch s = scorer.score(new Matrix(grid * grid, 2, cells));
        double[] logp = new double[grid * grid];
        for (int i = 0; i < logp.length; i++) {
            logp[i] = s.logLikelihood(i);
        }
        return Svg.densityMap(logp, grid, lo, hi, v, flagged, names);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
