package io.flowguard.app;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "score", description = "Score every row of a CSV file with a checkpoint; one output row per input row.")
final class ScoreCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint written by 'flowguard train'.")
    Path model;

    @Option(names = "--data", required = true, description = "CSV with the model's feature columns (by name).")
    Path data;

    @Option(names = "--out", required = true, description = "Scores CSV to write.")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu|gpu:N")
    String device;

    @Override
    public Integer call() {
        try (LoadedModel loaded = Checkpoints.load(model, Devices.select(device))) {
            String[] names = loaded.flow().schema().names();
            CsvTable table = CsvTable.read(data, Arrays.asList(names), null);
            Scorer scorer = loaded.scorer();
            long start = System.nanoTime();
            ScoreBatch batch = scorer.score(table.features());
            double seconds = (System.nanoTime() - start) / 1e9;
            AlertPolicy policy = AlertPolicy.defaults();
            int[] alerts = new int[AlertPolicy.Verdict.values().length];
            write(batch, names, policy, scorer, alerts);
            System.out.printf(Locale.ROOT, "scored %,d rows with model %s in %.2f s (%,.0f ev/s); low-density "
                            + "alerts %d, atypically-high-density alerts %d; wrote %s%n",
                    batch.size(), scorer.modelVersion(), seconds, batch.size() / seconds,
                    alerts[AlertPolicy.Verdict.LOW_DENSITY.ordinal()],
                    alerts[AlertPolicy.Verdict.ATYPICALLY_HIGH_DENSITY.ordinal()], out);
        }
        return 0;
    }

    private void write(ScoreBatch batch, String[] names, AlertPolicy policy, Scorer scorer, int[] alerts) {
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            StringBuilder header = new StringBuilder("row,log_likelihood,bits_per_dim,latent_sq_norm,typicality,"
                    + "verdict,most_anomalous_feature");
            for (String n : names) {
                header.append(",contrib_").append(n);
            }
            w.write(header.append('\n').toString());
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < batch.size(); i++) {
                AlertPolicy.Verdict v = scorer.calibration() == null ? AlertPolicy.Verdict.NORMAL
                        : policy.judge(batch, i, scorer.calibration());
                alerts[v.ordinal()]++;
                line.setLength(0);
                line.append(i + 1).append(',').append((float) batch.logLikelihood(i)).append(',')
                        .append((float) batch.bitsPerDimension(i)).append(',')
                        .append((float) batch.latentSquaredNorm(i)).append(',')
                        .append((float) batch.typicality(i)).append(',').append(v.name().toLowerCase(Locale.ROOT))
                        .append(',').append(names[batch.get(i).mostAnomalousFeature()]);
                for (int j = 0; j < names.length; j++) {
                    line.append(',').append(batch.contribution(i, j));
                }
                w.write(line.append('\n').toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write scores (" + e.getMessage() + ")", e);
        }
    }
}
