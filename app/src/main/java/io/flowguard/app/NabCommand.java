package io.flowguard.app;

import com.google.gson.Gson;
import io.flowguard.ingest.nab.AnomalyWindow;
import io.flowguard.ingest.nab.NabCorpus;
import io.flowguard.ingest.nab.NabSeries;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.retrainer.series.SeriesDetector;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * NAB's time-series mode ({@link SeriesDetector}): every file of a corpus scored in time order with one parameter
 * set, written in NAB's results layout {@code OUT/NAME/<category>/NAME_<file>.csv}
 * ({@code timestamp,value,anomaly_score,label}); {@code flowguard nab-score} scores the folder.
 */
@Command(name = "nab", description = "Score every series of a NAB corpus in time order (no look-ahead, no labels, "
        + "one parameter set) and write NAB's results layout; the last stdout line is JSON.")
final class NabCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Option(names = "--data", required = true, description = "The corpus: <category>/<file>.csv (timestamp,value).")
    Path data;

    @Option(names = "--out", required = true, description = "Results root: writes OUT/NAME/<category>/NAME_<file>.csv.")
    Path out;

    @Option(names = "--detector", defaultValue = "flowguard",
            description = "Detector NAME (default: ${DEFAULT-VALUE}).")
    String detector;

    @Option(names = "--labels", description = "combined_windows.json (or its folder): fills the label column (1 inside"
            + " a window); the detector never reads it. Without it the label column is 0.")
    Path labels;

    @Option(names = "--model", defaultValue = "maf", description = "Flow family of the detector (default: "
            + "${DEFAULT-VALUE}; maf, nsf or any --model name of train).")
    String model;

    @Override
    public Integer call() {
        if (!detector.matches("[A-Za-z0-9_.-]+")) {
            throw new UserError("--detector: expected a name of letters, digits, '_', '-' or '.', got '" + detector
                    + "'");
        }
        SeriesDetector.Options options = SeriesDetector.Options.defaults();
        FlowKind kind = ModelOptions.kind("--model", model);
        if (kind != FlowKind.MAF) {
            // NSF and IAF at the detector's MAF size; the other families at their own defaults
            FlowSpec s = options.spec();
            FlowSpec.Builder b = FlowSpec.builder().setKind(kind).optSeed(s.seed());
            if (kind == FlowKind.NSF || kind == FlowKind.IAF) {
                b.optLayers(s.layers()).optHiddenFeatures(s.hiddenFeatures()).optHiddenLayers(s.hiddenLayers());
            }
            options = options.withSpec(b.build());
        }
        SeriesDetector detector = new SeriesDetector(options);
        List<String> files = NabCorpus.dataFiles(data);
        Map<String, List<AnomalyWindow>> windows = labels == null ? Map.of() : NabCorpus.windows(labels);
        Path root = out.resolve(this.detector);
        long started = System.nanoTime();
        long rows = 0;
        int fits = 0;
        int rejected = 0;
        for (int f = 0; f < files.size(); f++) {
            String file = files.get(f);
            long fileStarted = System.nanoTime();
            NabSeries series = NabCorpus.series(data, file);
            SeriesDetector.Result result = detector.run(series.epochSeconds(), series.values(),
                    (row, fit, n, ok, why, s) -> { });
            List<AnomalyWindow> w = windows.getOrDefault(file, List.of());
            Path target = NabCorpus.resultsFile(root, this.detector, file);
            OutputFiles.write(target, "NAB results", o -> {
                o.write("timestamp,value,anomaly_score,label\n");
                for (int i = 0; i < result.scores().length; i++) {
                    LocalDateTime t = series.timestamps().get(i);
                    o.write(time(t) + "," + value(series.values()[i]) + ","
                            + String.format(Locale.ROOT, "%.12f", result.scores()[i]) + ","
                            + (inside(w, t) ? 1 : 0) + "\n");
                }
            });
            rows += result.scores().length;
            fits += result.fits();
            System.err.printf(Locale.ROOT, "nab [%d/%d] %s: %,d rows, probation %d, features %s, %d fits (%d "
                    + "refused by the gate), %d rows kept out of training, %.1f s%n", f + 1, files.size(), file,
                    result.scores().length, result.probation(), String.join(",", result.features()), result.fits(),
                    result.rejected(), result.guarded(), (System.nanoTime() - fileStarted) / 1e9);
            rejected += result.rejected();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "%s: %d files, %,d rows, %d fits in %.1f s; results in %s%n", this.detector,
                files.size(), rows, fits, seconds, root);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("detector", this.detector);
        json.put("files", files.size());
        json.put("rows", rows);
        json.put("fits", fits);
        json.put("refused_by_gate", rejected);
        json.put("seconds", Math.round(seconds * 10) / 10.0);
        json.put("results", root.toString());
        System.out.println(new Gson().toJson(json));
        return 0;
    }

    private static boolean inside(List<AnomalyWindow> windows, LocalDateTime t) {
        for (AnomalyWindow w : windows) {
            if (!t.isBefore(w.start()) && !t.isAfter(w.end())) {
                return true;
            }
        }
        return false;
    }

    private static String time(LocalDateTime t) {
        String s = TIME.format(t);
        return t.getNano() == 0 ? s : s + String.format(Locale.ROOT, ".%09d", t.getNano()).replaceAll("0+$", "");
    }

    private static String value(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
