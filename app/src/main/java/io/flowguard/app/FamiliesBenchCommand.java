package io.flowguard.app;

import com.google.gson.GsonBuilder;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.flow.FlowKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Compares flow families on labelled datasets (one seed of the ADBench protocol per dataset and family, see
 * {@link FamilyRun}): test NLL (all test rows and the normal ones), AUROC of {@code -log p} and of the guarded margin, training time, scoring and
 * sampling events/s and parameter count. Prints a markdown table on stdout, then one JSON line. A family that cannot
 * be built or trained on a dataset gets an error entry instead, and the run goes on.
 */
@Command(name = "families", description = "Compare flow families on labelled CSVs: test NLL, AUROC, training time, "
        + "scoring and sampling events/s, parameters; the last stdout line is JSON. --model is ignored: use "
        + "--models.")
final class FamiliesBenchCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, arity = "1..*", description = "Labelled CSVs (or .csv.gz).")
    List<Path> data;

    @Option(names = "--models", split = ",", defaultValue = "maf,nsf,nsf-coupling,nice,realnvp,glow,iaf",
            paramLabel = "NAME", description = "Families to compare (names as for --model; default: "
            + "${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--label-column", defaultValue = "label", description = "0/1 column, 1 = anomaly.")
    String labelColumn;

    @Option(names = "--train-fraction", defaultValue = "0.6")
    double trainFraction;

    @Option(names = "--sample-events", defaultValue = "20000", description = "Events per sampling call.")
    int sampleEvents;

    @Option(names = "--min-seconds", defaultValue = "2", description = "Least seconds per throughput measurement.")
    double minSeconds;

    @Mixin
    ModelOptions model;

    @Mixin
    PolicyOptions policy;

    @Override
    public Integer call() {
        var err = System.err;
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new UserError("--train-fraction: expected a value in (0, 1), got " + trainFraction);
        }
        if (sampleEvents < 1 || !(minSeconds >= 0)) {
            throw new UserError("--sample-events, --min-seconds: expected >= 1 and >= 0, got " + sampleEvents + ", "
                    + minSeconds);
        }
        List<FlowKind> kinds = models.stream().map(m -> ModelOptions.kind("--models", m)).toList();
        model.train(model.seed);
        List<Map<String, Object>> results = new ArrayList<>();
        StringBuilder table = new StringBuilder("| dataset | family | test NLL | normal test NLL | AUROC | guarded AUROC "
                + "| fit s | epochs | score ev/s | sample ev/s | parameters |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Path file : data) {
            CsvTable csv = CsvTable.read(file, null, labelColumn);
            String dataset = file.getFileName().toString().replaceFirst("\\.csv(\\.gz)?$", "");
            HoldOutSplit split = HoldOutSplit.of(csv, model.seed, trainFraction);
            err.printf(Locale.ROOT, "families %s: %,d train / %,d test rows x %d features%n", dataset,
                    split.train().rows(), split.test().rows(), csv.features().cols());
            for (FlowKind kind : kinds) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("dataset", dataset);
                row.put("model", ModelOptions.name(kind));
                try {
                    FamilyRun r = FamilyRun.measure(csv, dataset, file, split, kind, model, policy, model.seed,
                            sampleEvents, minSeconds, Progress.epochs(err, "  " + ModelOptions.name(kind) + " "));
                    put(row, r);
                    table.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.4f | %.4f | %.1f | %d | "
                            + "%,.0f | %,.0f | %,d |%n", dataset, ModelOptions.name(kind), r.testNll(), r.normalTestNll(),
                            r.quality().auroc(),
                            r.quality().guardedAuroc(), r.fitSeconds(), r.epochs(), r.scoreEventsPerSecond(),
                            r.sampleEventsPerSecond(), r.parameters()));
                } catch (FlowGuardException | UserError e) {
                    row.put("error", e.getMessage());
                    table.append(String.format(Locale.ROOT, "| %s | %s | error: %s |%n", dataset,
                            ModelOptions.name(kind), e.getMessage()));
                }
                err.println("  " + row);
                results.add(row);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("seed", model.seed);
        out.put("train_fraction", trainFraction);
        out.put("false_alarm_rate", policy.policy().falseAlarmRate());
        out.put("results", results);
        System.out.print(table);
        System.out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(out));
        return 0;
    }

    private static void put(Map<String, Object> row, FamilyRun r) {
        row.put("layers", r.spec().layers());
        row.put("hidden", r.spec().hiddenFeatures());
        row.put("test_nll", round(r.testNll()));
        row.put("normal_test_nll", round(r.normalTestNll()));
        row.put("auroc", round(r.quality().auroc()));
        row.put("auprc", round(r.quality().auprc()));
        row.put("guarded_auroc", round(r.quality().guardedAuroc()));
        row.put("guarded_auprc", round(r.quality().guardedAuprc()));
        row.put("fit_seconds", round(r.fitSeconds()));
        row.put("epochs", r.epochs());
        row.put("stop_reason", r.stopReason());
        row.put("score_events_per_second", Math.round(r.scoreEventsPerSecond()));
        row.put("sample_events_per_second", Math.round(r.sampleEventsPerSecond()));
        row.put("parameters", r.parameters());
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }
}
