package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.train.ModelFitter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The ADBench protocol of {@code shared/data/adbench/README.md}: for each seed, shuffle, fit on the first 60% without
 * labels (preprocessing from those rows only), score the last 40% with {@code -log p(x)}, report AUROC and AUPRC.
 */
@Command(name = "eval", description = "Unsupervised detection quality on a labelled CSV (the ADBench protocol); "
        + "the last stdout line is a JSON summary.")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "Labelled CSV (or .csv.gz).")
    Path data;

    @Option(names = "--label-column", defaultValue = "label", description = "0/1 column, 1 = anomaly.")
    String labelColumn;

    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", description = "Protocol seeds.")
    List<Long> seeds;

    @Option(names = "--train-fraction", defaultValue = "0.6")
    double trainFraction;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new UserError("--train-fraction: expected a value in (0, 1), got " + trainFraction);
        }
        var err = System.err;
        model.spec(0);
        model.train(0);
        CsvTable table = CsvTable.read(data, null, labelColumn);
        Matrix all = table.features();
        String dataset = data.getFileName().toString().replaceFirst("\\.csv(\\.gz)?$", "");
        err.printf(Locale.ROOT, "eval %s: %,d rows x %d features, %d anomalies; model %s%n", dataset, all.rows(),
                all.cols(), Arrays.stream(table.labels()).sum(), model.kind());
        List<Map<String, Object>> perSeed = new ArrayList<>();
        double fitSeconds = 0;
        long scored = 0;
        double scoreSeconds = 0;
        double aurocSum = 0;
        double auprcSum = 0;
        for (long seed : seeds) {
            int[] perm = Matrix.permutation(all.rows(), seed);
            int cut = (int) Math.round(all.rows() * trainFraction);
            Matrix train = all.selectRows(Arrays.copyOfRange(perm, 0, cut));
            int[] testIdx = Arrays.copyOfRange(perm, cut, perm.length);
            Matrix test = all.selectRows(testIdx);
            try (NDManager manager = NDManager.newBaseManager(Devices.select(model.device))) {
                long t0 = System.nanoTime();
                ModelFitter.Fitted fitted = ModelFitter.fit(train, table.names(), model.spec(seed),
                        model.preprocessing(), model.train(seed),
                        Progress.epochs(err, "  seed " + seed + " "), manager, dataset);
                long t1 = System.nanoTime();
                ScoreBatch scores = fitted.scorer().score(test);
                long t2 = System.nanoTime();
                double[] anomaly = new double[scores.size()];
                int[] labels = new int[scores.size()];
                for (int i = 0; i < anomaly.length; i++) {
                    anomaly[i] = -scores.logLikelihood(i);
                    labels[i] = table.labels()[testIdx[i]];
                }
                double auroc = Ranking.auroc(anomaly, labels);
                double auprc = Ranking.averagePrecision(anomaly, labels);
                fitSeconds += (t1 - t0) / 1e9;
                scoreSeconds += (t2 - t1) / 1e9;
                scored += test.rows();
                aurocSum += auroc;
                auprcSum += auprc;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("seed", seed);
                row.put("auroc", round(auroc));
                row.put("auprc", round(auprc));
                row.put("epochs", fitted.report().history().size());
                row.put("fit_seconds", round((t1 - t0) / 1e9));
                perSeed.add(row);
                err.printf(Locale.ROOT, "seed %d: AUROC %.4f  AUPRC %.4f  (%d epochs, %s, fit %.1f s)%n", seed,
                        auroc, auprc, fitted.report().history().size(), fitted.report().stopReason(),
                        (t1 - t0) / 1e9);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dataset", dataset);
        summary.put("model", model.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        summary.put("seeds", perSeed);
        Map<String, Object> mean = new LinkedHashMap<>();
        mean.put("auroc", round(aurocSum / seeds.size()));
        mean.put("auprc", round(auprcSum / seeds.size()));
        summary.put("mean", mean);
        summary.put("fit_seconds", round(fitSeconds / seeds.size()));
        summary.put("score_events_per_second", Math.round(scored / scoreSeconds));
        System.out.println(new Gson().toJson(summary));
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
