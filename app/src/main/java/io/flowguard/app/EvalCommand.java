package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.Thresholds;
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
 * labels (preprocessing from those rows only), score the last 40% and report AUROC and AUPRC of two scores: the
 * plain {@code -log p(x)} and the guarded margin of {@link Thresholds#margin} (both density tails and the latent
 * norm against the held-out calibration), plus precision and recall of the guarded decision at the calibrated
 * threshold of {@code --false-alarm-rate}, beside the peers of PEERS.md when it sits next to the data.
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

    @Option(names = "--peers", description = "PEERS.md to print beside the results (default: PEERS.md next to the "
            + "data file, when there is one).")
    Path peers;

    @Mixin
    ModelOptions model;

    @Mixin
    PolicyOptions policy;

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
        double guardedAurocSum = 0;
        double guardedAuprcSum = 0;
        long truePositives = 0;
        long flagged = 0;
        long anomalies = 0;
        for (long seed : seeds) {
            HoldOutSplit split = HoldOutSplit.of(table, seed, trainFraction);
            Matrix test = split.test();
            try (NDManager manager = NDManager.newBaseManager(Devices.select(model.device))) {
                long t0 = System.nanoTime();
                ModelFitter.Fitted fitted = ModelFitter.fit(split.train(), table.names(), model.spec(seed),
                        model.preprocessing(), model.train(seed),
                        Progress.epochs(err, "  seed " + seed + " "), manager, dataset);
                long t1 = System.nanoTime();
                ScoreBatch scores = fitted.scorer().score(test);
                long t2 = System.nanoTime();
                Thresholds thresholds = policy.thresholds(fitted.scorer(), data);
                DetectionQuality q = DetectionQuality.of(scores, thresholds, split.testLabels());
                int tp = q.truePositives();
                int alerts = q.alerts();
                int positives = q.positives();
                double auroc = q.auroc();
                double auprc = q.auprc();
                double guardedAuroc = q.guardedAuroc();
                double guardedAuprc = q.guardedAuprc();
                guardedAurocSum += guardedAuroc;
                guardedAuprcSum += guardedAuprc;
                truePositives += tp;
                flagged += alerts;
                anomalies += positives;
                fitSeconds += (t1 - t0) / 1e9;
                scoreSeconds += (t2 - t1) / 1e9;
                scored += test.rows();
                aurocSum += auroc;
                auprcSum += auprc;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("seed", seed);
                row.put("auroc", round(auroc));
                row.put("auprc", round(auprc));
                row.put("guarded_auroc", round(guardedAuroc));
                row.put("guarded_auprc", round(guardedAuprc));
                row.put("precision", alerts == 0 ? null : round((double) tp / alerts));
                row.put("recall", round((double) tp / Math.max(1, positives)));
                row.put("epochs", fitted.report().history().size());
                row.put("fit_seconds", round((t1 - t0) / 1e9));
                perSeed.add(row);
                err.printf(Locale.ROOT, "seed %d: -log p AUROC %.4f AUPRC %.4f | guarded AUROC %.4f AUPRC %.4f | "
                        + "at the calibrated threshold: %d alerts, precision %s, recall %.3f  (%d epochs, %s, fit "
                        + "%.1f s)%n", seed, auroc, auprc, guardedAuroc, guardedAuprc, alerts,
                        alerts == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (double) tp / alerts),
                        (double) tp / Math.max(1, positives), fitted.report().history().size(),
                        fitted.report().stopReason(), (t1 - t0) / 1e9);
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("dataset", dataset);
        summary.put("model", model.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        summary.put("seeds", perSeed);
        Map<String, Object> mean = new LinkedHashMap<>();
        mean.put("auroc", round(aurocSum / seeds.size()));
        mean.put("auprc", round(auprcSum / seeds.size()));
        mean.put("guarded_auroc", round(guardedAurocSum / seeds.size()));
        mean.put("guarded_auprc", round(guardedAuprcSum / seeds.size()));
        mean.put("precision", flagged == 0 ? null : round((double) truePositives / flagged));
        mean.put("recall", round((double) truePositives / Math.max(1, anomalies)));
        summary.put("mean", mean);
        summary.put("false_alarm_rate", policy.policy().falseAlarmRate());
        String peer = Peers.line(peers != null ? peers : data.toAbsolutePath().getParent().resolve("PEERS.md"),
                dataset);
        if (peer != null) {
            err.printf(Locale.ROOT, "%s: -log p AUROC %.4f, guarded AUROC %.4f; peers (PEERS.md): %s%n", dataset,
                    aurocSum / seeds.size(), guardedAurocSum / seeds.size(), peer);
        }
        summary.put("fit_seconds", round(fitSeconds / seeds.size()));
        summary.put("score_events_per_second", Math.round(scored / scoreSeconds));
        System.out.println(new Gson().toJson(summary));
        return 0;
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
