package io.flowguard.app;

import com.google.gson.Gson;
import io.flowguard.ingest.nab.AnomalyWindow;
import io.flowguard.ingest.nab.CostProfile;
import io.flowguard.ingest.nab.NabCorpus;
import io.flowguard.ingest.nab.NabScorer;
import io.flowguard.ingest.nab.ScoredSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scores a detector's NAB results ({@link NabScorer}): per cost profile the corpus-optimal threshold, the raw and
 * normalised scores and the TP/FP/FN counts; the last stdout line is JSON.
 */
@Command(name = "nab-score", description = "Score a detector's results on a NAB corpus (windows, scaled sigmoid, "
        + "threshold per profile, null = 0 and perfect = 100); the last stdout line is JSON.")
final class NabScoreCommand implements Callable<Integer> {

    @Option(names = "--results", required = true, description = "The detector's results folder, NAME/ "
            + "(<category>/NAME_<file>.csv with columns timestamp,value,anomaly_score,label).")
    Path results;

    @Option(names = "--data", required = true, description = "The corpus: <category>/<file>.csv (timestamp,value).")
    Path data;

    @Option(names = "--labels", required = true, description = "Folder with combined_windows.json (or that file).")
    Path labels;

    @Option(names = "--profiles", description = "NAB's profiles.json (default: beside the labels folder, else NAB's"
            + " three built-in profiles).")
    Path profiles;

    @Option(names = "--detector", description = "Detector name in the file names (default: the results folder's "
            + "name).")
    String detector;

    @Override
    public Integer call() {
        String name = detector != null ? detector : results.toAbsolutePath().normalize().getFileName().toString();
        List<String> files = NabCorpus.dataFiles(data);
        Map<String, List<AnomalyWindow>> windows = NabCorpus.windows(labels);
        List<ScoredSeries> corpus = new ArrayList<>();
        for (String f : files) {
            ScoredSeries s = NabCorpus.results(results, name, f);
            int rows = NabCorpus.timestamps(data.resolve(f)).size();
            if (s.scores().length != rows) {
                throw new UserError(NabCorpus.resultsFile(results, name, f) + ": expected one row per data row ("
                        + rows + "), got " + s.scores().length);
            }
            corpus.add(s);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("detector", name);
        json.put("files", files.size());
        System.out.printf(Locale.ROOT, "%s on %d files%n%-20s %8s %9s %9s %4s %4s %4s%n", name, files.size(),
                "profile", "score", "raw", "threshold", "TP", "FP", "FN");
        for (CostProfile p : profiles().values()) {
            NabScorer.Result r = NabScorer.score(corpus, windows, p);
            String threshold = Double.isFinite(r.threshold()) ? String.format(Locale.ROOT, "%.4f", r.threshold())
                    : "none";
            System.out.printf(Locale.ROOT, "%-20s %8.2f %9.3f %9s %4d %4d %4d%n", p.name(), r.normalized(), r.raw(),
                    threshold, r.truePositives(), r.falsePositives(), r.falseNegatives());
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("score", Math.round(r.normalized() * 100) / 100.0);
            one.put("raw", r.raw());
            one.put("threshold", Double.isFinite(r.threshold()) ? r.threshold() : null);
            one.put("tp", r.truePositives());
            one.put("fp", r.falsePositives());
            one.put("fn", r.falseNegatives());
            json.put(p.name(), one);
        }
        System.out.println(new Gson().toJson(json));
        return 0;
    }

    private Map<String, CostProfile> profiles() {
        Path file = profiles;
        if (file == null) {
            Path beside = (Files.isDirectory(labels) ? labels : labels.toAbsolutePath().getParent())
                    .toAbsolutePath().getParent().resolve("profiles.json");
            file = Files.isRegularFile(beside) ? beside : null;
        }
        if (file != null) {
            return CostProfile.read(file);
        }
        Map<String, CostProfile> nab = new LinkedHashMap<>();
        nab.put("standard", new CostProfile("standard", 1.0, 1.0, 0.11));
        nab.put("reward_low_FP_rate", new CostProfile("reward_low_FP_rate", 1.0, 1.0, 0.22));
        nab.put("reward_low_FN_rate", new CostProfile("reward_low_FN_rate", 1.0, 2.0, 0.11));
        return nab;
    }
}
