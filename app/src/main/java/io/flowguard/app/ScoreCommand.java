package io.flowguard.app;

import io.flowguard.ingest.source.Cells;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertPolicy.Verdict;
import io.flowguard.model.score.AttributionBatch;
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

@Command(name = "score", description = "Score every row of a CSV file with a checkpoint; one output row per input row,"
        + " with the verdict of the alert policy and the most anomalous features.")
final class ScoreCommand implements Callable<Integer> {

    /** How many features the top_features column names. */
    static final int TOP_FEATURES = 3;

    @Option(names = "--model", required = true, description = "Checkpoint written by 'flowguard train'.")
    Path model;

    @Option(names = "--data", required = true, description = "CSV with the model's feature columns (by name).")
    Path data;

    @Option(names = "--out", required = true, description = "Scores CSV to write.")
    Path out;

    @Option(names = "--key-column", description = "Entity column (sensor, card): typicality windows run per key. "
            + "Without it the file is one stream, windows run over it in row order.")
    String keyColumn;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu|gpu:N")
    String device;

    @Option(names = "--attribute", defaultValue = "all", description = "Rows that get top_features and z_* columns: "
            + "all|alerts (about 160 density evaluations per feature per attributed row; other rows leave them empty).")
    String attribute;

    @Mixin
    PolicyOptions policy;

    @Override
    public Integer call() {
        OutputFiles.check(out, "scores");
        if (!attribute.equals("all") && !attribute.equals("alerts")) {
            throw new UserError("--attribute: expected all or alerts, got " + attribute);
        }
        try (LoadedModel loaded = Checkpoints.load(model, Devices.select(device))) {
            String[] names = loaded.flow().schema().names();
            CsvTable table = CsvTable.read(data, Arrays.asList(names), null, keyColumn);
            Scorer scorer = loaded.scorer();
            Thresholds thresholds = policy.thresholds(scorer, model);
            long start = System.nanoTime();
            ScoreBatch batch = scorer.score(table.features());
            double seconds = (System.nanoTime() - start) / 1e9;
            int[] alerts = write(scorer, table.features(), batch, names, table.keys(), thresholds,
                    scorer.modelVersion());
            StringBuilder counts = new StringBuilder();
            for (Verdict v : Verdict.values()) {
                if (v != Verdict.NORMAL) {
                    counts.append(counts.length() == 0 ? "" : ", ").append(v.name()).append(' ')
                            .append(alerts[v.ordinal()]);
                }
            }
            System.out.printf(Locale.ROOT, "scored %,d rows with model %s in %.2f s (%,.0f ev/s); %s rule at a "
                            + "false-alarm rate of %s: %s; wrote %s%n",
                    batch.size(), scorer.modelVersion(), seconds, batch.size() / seconds,
                    thresholds.policy().rule().name().toLowerCase(Locale.ROOT),
                    thresholds.policy().falseAlarmRate(), counts, out);
        }
        return 0;
    }

    private int[] write(Scorer scorer, io.flowguard.model.data.Matrix rows, ScoreBatch batch, String[] names,
            String[] keys, Thresholds thresholds, String version) {
        int[] alerts = new int[Verdict.values().length];
        Decision[] decisions = thresholds.decideAll(batch, keys, version);
        int[] attributed = java.util.stream.IntStream.range(0, batch.size())
                .filter(i -> attribute.equals("all") || decisions[i].alert()).toArray();
        AttributionBatch attributions = scorer.attribute(rows.selectRows(attributed));
        int[] attributionRow = new int[batch.size()];
        Arrays.fill(attributionRow, -1);
        for (int a = 0; a < attributed.length; a++) {
            attributionRow[attributed[a]] = a;
        }
        OutputFiles.write(out, "scores", w -> {
            StringBuilder header = new StringBuilder("row");
            if (keys != null) {
                header.append(",key");
            }
            header.append(",log_likelihood,bits_per_dim,latent_sq_norm,typicality,window_mean,margin,verdict,"
                    + "severity,top_features");
            for (String n : names) {
                header.append(',').append(Cells.csvField("contrib_" + n));
            }
            for (String n : names) {
                header.append(',').append(Cells.csvField("z_" + n));
            }
            w.write(header.append('\n').toString());
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < batch.size(); i++) {
                Decision d = decisions[i];
                alerts[d.verdict().ordinal()]++;
                line.setLength(0);
                line.append(i + 1);
                if (keys != null) {
                    line.append(',').append(Cells.csvField(keys[i]));
                }
                line.append(',').append((float) batch.logLikelihood(i)).append(',')
                        .append((float) batch.bitsPerDimension(i)).append(',')
                        .append((float) batch.latentSquaredNorm(i)).append(',')
                        .append((float) batch.typicality(i)).append(',')
                        .append(Double.isNaN(d.windowMean()) ? "" : Float.toString((float) d.windowMean()))
                        .append(',').append((float) d.margin()).append(',').append(d.verdict().name()).append(',')
                        .append(!d.alert() ? "" : d.critical() ? "CRITICAL" : "WARNING").append(',')
                        .append(Cells.csvField(attributionRow[i] < 0 ? ""
                                : topFeatures(attributions, attributionRow[i], names)));
                for (int j = 0; j < names.length; j++) {
                    line.append(',').append(batch.contribution(i, j));
                }
                for (int j = 0; j < names.length; j++) {
                    line.append(',').append(attributionRow[i] < 0 ? "" : Float.toString(
                            (float) attributions.z(attributionRow[i], j)));
                }
                w.write(line.append('\n').toString());
            }
        });
        return alerts;
    }

    /**
     * The features whose conditional given every other feature has the smallest two-sided tail (largest |z|), most
     * anomalous first, as {@code name(z=+6.31)} joined by semicolons (quoted in the CSV only when a name holds a
     * comma or quote).
     */
    static String topFeatures(AttributionBatch attributions, int i, String[] names) {
        StringBuilder s = new StringBuilder();
        for (int j : attributions.mostAnomalousFeatures(i, TOP_FEATURES)) {
            s.append(s.length() == 0 ? "" : ";").append(names[j]).append("(z=")
                    .append(String.format(Locale.ROOT, "%+.2f", attributions.z(i, j))).append(')');
        }
        return s.toString();
    }
}
