package io.flowguard.ingest.nab;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Numenta Anomaly Benchmark's scoring (Lavin and Ahmad 2015), re-implemented from its description: per row a
 * sweep score from the scaled sigmoid {@code sigma(y) = 2 / (1 + e^(5y)) - 1} (and -1 for {@code y > 3}) of its
 * position relative to the windows; inside a window {@code y = -(right - i + 1) / width} (earliest rows near 1,
 * the last row near 0); outside, {@code y = (i - right of the previous window) / (its width - 1)}, and -1 before
 * the first window. Rows of the probationary period, the first {@code min(floor(0.15 n), 750)} of each file, do not
 * count. A row is a detection when its anomaly score reaches the threshold; a window scores its best (earliest)
 * detection times the profile's TP weight, or {@code -fnWeight} when it has none; every detection outside windows
 * adds its (negative) sweep score times the FP weight. The threshold is the one that maximises the corpus total,
 * and the total is normalised so that the null detector (never fires: {@code -fnWeight} per window) is 0 and a
 * perfect one ({@code tpWeight} per window) is 100.
 */
public final class NabScorer {

    public static final double PROBATION_SHARE = 0.15;
    /** NAB caps the probationary period at 15 % of 5,000 rows. */
    public static final double PROBATION_CAP = PROBATION_SHARE * 5000;

    /** One counted row: its anomaly score, its sweep score, the corpus-wide index of its window (-1: outside). */
    record Point(double anomaly, double sweep, int window) {}

    /**
     * The corpus score under one profile.
     *
     * @param threshold the chosen threshold (anomaly scores at or above it are detections; +infinity: none)
     * @param raw the corpus total at that threshold
     * @param perFile each file's part of {@code raw}
     */
    public record Result(CostProfile profile, double threshold, double raw, double nullScore, double perfect,
            double normalized, int truePositives, int falsePositives, int falseNegatives, int windows,
            Map<String, Double> perFile) {}

    private NabScorer() {}

    /** {@code 2 / (1 + e^(5y)) - 1}, and -1 beyond {@code y = 3}: NAB's reward for a detection at position y. */
    public static double scaledSigmoid(double position) {
        return position > 3.0 ? -1.0 : 2.0 / (1.0 + Math.exp(5.0 * position)) - 1.0;
    }

    /** Rows of a file of {@code rows} that are probationary (not scored). */
    public static int probation(int rows) {
        return (int) Math.min(Math.floor(PROBATION_SHARE * rows), PROBATION_CAP);
    }

    /** Scores {@code corpus} with {@code windows} (by {@link ScoredSeries#file}; none listed: no windows). */
    public static Result score(List<ScoredSeries> corpus, Map<String, List<AnomalyWindow>> windows,
            CostProfile profile) {
        List<List<Point>> files = new ArrayList<>();
        int windowCount = 0;
        int[] windowFile = new int[0];
        for (ScoredSeries s : corpus) {
            List<AnomalyWindow> w = windows.getOrDefault(s.file(), List.of());
            files.add(points(s, w, windowCount));
            windowFile = Arrays.copyOf(windowFile, windowCount + w.size());
            Arrays.fill(windowFile, windowCount, windowCount + w.size(), files.size() - 1);
            windowCount += w.size();
        }
        double threshold = bestThreshold(files, windowCount, profile);
        double[] best = new double[windowCount];
        Arrays.fill(best, -profile.fnWeight());
        double[] fileTotals = new double[corpus.size()];
        int fp = 0;
        for (int f = 0; f < files.size(); f++) {
            for (Point p : files.get(f)) {
                if (p.anomaly() < threshold) {
                    continue;
                }
                if (p.window() >= 0) {
                    best[p.window()] = Math.max(best[p.window()], p.sweep() * profile.tpWeight());
                } else {
                    fileTotals[f] += p.sweep() * profile.fpWeight();
                    fp++;
                }
            }
        }
        int tp = 0;
        for (int w = 0; w < windowCount; w++) {
            fileTotals[windowFile[w]] += best[w];
            tp += best[w] > -profile.fnWeight() ? 1 : 0;
        }
        double raw = Arrays.stream(fileTotals).sum();
        double nullScore = -profile.fnWeight() * windowCount;
        double perfect = profile.tpWeight() * windowCount;
        double normalized = windowCount == 0 ? Double.NaN : 100 * (raw - nullScore) / (perfect - nullScore);
        Map<String, Double> perFile = new LinkedHashMap<>();
        for (int f = 0; f < corpus.size(); f++) {
            perFile.put(corpus.get(f).file(), fileTotals[f]);
        }
        return new Result(profile, threshold, raw, nullScore, perfect, normalized, tp, fp, windowCount - tp,
                windowCount, perFile);
    }

    /** The sweep scores of one file's counted rows; its windows get indices from {@code firstWindow} on. */
    static List<Point> points(ScoredSeries s, List<AnomalyWindow> windows, int firstWindow) {
        List<LocalDateTime> t = s.timestamps();
        int n = t.size();
        int[] left = new int[windows.size()];
        int[] right = new int[windows.size()];
        for (int w = 0; w < windows.size(); w++) {
            left[w] = -1;
            right[w] = -1;
            for (int i = 0; i < n; i++) {
                boolean inside = !t.get(i).isBefore(windows.get(w).start()) && !t.get(i).isAfter(windows.get(w).end());
                if (inside) {
                    left[w] = left[w] < 0 ? i : left[w];
                    right[w] = i;
                }
            }
        }
        int skip = probation(n);
        List<Point> out = new ArrayList<>(n - skip);
        int next = 0;
        int current = -1;
        int previous = -1;
        for (int i = 0; i < n; i++) {
            if (current >= 0 && i > right[current]) {
                previous = current;
                current = -1;
            }
            while (current < 0 && next < windows.size() && (left[next] < 0 || right[next] < i)) {
                next++; // a window with no rows (or behind us) can never be detected: it stays a miss
            }
            if (current < 0 && next < windows.size() && left[next] == i) {
                current = next++;
            }
            double sweep;
            if (current >= 0) {
                double width = right[current] - left[current] + 1;
                sweep = scaledSigmoid(-(right[current] - i + 1) / width);
            } else if (previous < 0) {
                sweep = -1.0;
            } else {
                double width = right[previous] - left[previous] + 1;
                sweep = width <= 1 ? -1.0 : scaledSigmoid((i - right[previous]) / (width - 1));
            }
            if (i >= skip) {
                out.add(new Point(s.scores()[i], sweep, current >= 0 ? firstWindow + current : -1));
            }
        }
        return out;
    }

    /**
     * The threshold with the best corpus total, swept down through every distinct anomaly score (ties: the higher
     * threshold); +infinity when detecting nothing is best.
     */
    static double bestThreshold(List<List<Point>> files, int windowCount, CostProfile profile) {
        List<Point> all = new ArrayList<>();
        files.forEach(all::addAll);
        all.sort((a, b) -> Double.compare(b.anomaly(), a.anomaly()));
        double[] best = new double[windowCount];
        Arrays.fill(best, -profile.fnWeight());
        double total = -profile.fnWeight() * windowCount;
        double bestTotal = total;
        double threshold = Double.POSITIVE_INFINITY;
        for (int i = 0; i < all.size(); i++) {
            Point p = all.get(i);
            if (p.window() >= 0) {
                double v = Math.max(best[p.window()], p.sweep() * profile.tpWeight());
                total += v - best[p.window()];
                best[p.window()] = v;
            } else {
                total += p.sweep() * profile.fpWeight();
            }
            boolean groupEnds = i + 1 == all.size() || all.get(i + 1).anomaly() != p.anomaly();
            if (groupEnds && total > bestTotal + 1e-12) {
                bestTotal = total;
                threshold = p.anomaly();
            }
        }
        return threshold;
    }
}
