package io.flowguard.app;

import java.util.Locale;

/** Minimal inline SVG charts for the HTML report. */
final class Svg {

    private static final int W = 720;
    private static final int H = 260;
    private static final int PAD = 40;

    private Svg() {}

    /**
     * Overlaid histograms of {@code values} for unflagged (grey) and flagged (red) events, log-scaled counts, with
     * vertical lines at {@code line1} and {@code line2} (NaN: none) and the band between them shaded.
     */
    static String histogram(double[] values, boolean[] flagged, String xLabel, double line1, double line2) {
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        double[] sorted = java.util.Arrays.stream(values).filter(Double::isFinite).sorted().toArray();
        if (sorted.length == 0) {
            return "<p>(no finite values)</p>";
        }
        // Show the central 99.8 % and the thresholds; far outliers pile up in the edge bins.
        lo = sorted[(int) (0.001 * (sorted.length - 1))];
        hi = sorted[(int) (0.999 * (sorted.length - 1))];
        for (double l : new double[] {line1, line2}) {
            if (Double.isFinite(l)) {
                lo = Math.min(lo, l);
                hi = Math.max(hi, l);
            }
        }
        double span = Math.max(1e-9, hi - lo);
        lo -= 0.05 * span;
        hi += 0.05 * span;
        int bins = 60;
        long[][] counts = new long[2][bins];
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                continue;
            }
            int b = (int) Math.floor((values[i] - lo) / (hi - lo) * bins);
            counts[flagged[i] ? 1 : 0][Math.max(0, Math.min(bins - 1, b))]++;
        }
        double max = 1;
        for (long[] row : counts) {
            for (long c : row) {
                max = Math.max(max, Math.log10(1 + c));
            }
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">",
                W, H + 30));
        double plotW = W - 2 * PAD;
        if (Double.isFinite(line1) && Double.isFinite(line2)) {
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"%d\" "
                    + "fill=\"#d8ecff\"/>", x(line1, lo, hi), x(line2, lo, hi) - x(line1, lo, hi), H - 10));
        }
        String[] colours = {"#888888", "#d62728"};
        for (int k = 0; k < 2; k++) {
            for (int b = 0; b < bins; b++) {
                if (counts[k][b] == 0) {
                    continue;
                }
                double h = (H - 20) * Math.log10(1 + counts[k][b]) / max;
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"%s\" fill-opacity=\"0.6\"><title>%d events</title></rect>",
                        PAD + b * plotW / bins, H - h, plotW / bins - 0.5, h, colours[k], counts[k][b]));
            }
        }
        for (double l : new double[] {line1, line2}) {
            if (Double.isFinite(l)) {
                s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"10\" y2=\"%d\" "
                        + "stroke=\"#1f4e9c\" stroke-width=\"2\" stroke-dasharray=\"5,3\"/>"
                        + "<text x=\"%.1f\" y=\"22\" font-size=\"11\" fill=\"#1f4e9c\">%.2f</text>",
                        x(l, lo, hi), x(l, lo, hi), H, x(l, lo, hi) + 3, l));
            }
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"black\"/>",
                PAD, W - PAD, H, H));
        for (int k = 0; k <= 4; k++) {
            double v = lo + k * (hi - lo) / 4;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
                    + "text-anchor=\"middle\">%.2f</text>", x(v, lo, hi), H + 14, v));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s "
                + "(counts on a log scale)</text></svg>", W / 2, H + 28, ReportCommand.esc(xLabel)));
        return s.toString();
    }

    private static double x(double v, double lo, double hi) {
        return PAD + (v - lo) / (hi - lo) * (W - 2 * PAD);
    }

    /** A {@code grid x grid} log-density map (row 0 at the top) in 10 contour bands, with the events on top. */
    static String densityMap(double[] logp, int grid, double[] lo, double[] hi, float[] xy, boolean[] flagged,
            String[] names) {
        int size = 480;
        double top = -Double.MAX_VALUE;
        for (double v : logp) {
            top = Math.max(top, v);
        }
        double cell = (double) size / grid;
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">", size + 60, size + 40));
        for (int a = 0; a < grid; a++) {
            for (int b = 0; b < grid; b++) {
                // Bands of 1.5 nats below the mode: 10 bands cover densities down to e^-15 of the peak.
                int band = (int) Math.min(10, Math.floor((top - logp[a * grid + b]) / 1.5));
                int shade = 40 + band * 21;
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.2f\" "
                        + "fill=\"rgb(%d,%d,255)\"/>", 50 + b * cell, a * cell, cell + 0.3, cell + 0.3, shade, shade));
            }
        }
        int n = flagged.length;
        int stride = Math.max(1, n / 3000);
        for (int i = 0; i < n; i++) {
            if (i % stride != 0 && !flagged[i]) {
                continue;
            }
            double px = 50 + (xy[2 * i] - lo[0]) / (hi[0] - lo[0]) * size;
            double py = (hi[1] - xy[2 * i + 1]) / (hi[1] - lo[1]) * size;
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>", px, py,
                    flagged[i] ? 2.5 : 1.2, flagged[i] ? "#d62728" : "#222222"));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s "
                + "[%.2f, %.2f]</text>", 50 + size / 2, size + 20, ReportCommand.esc(names[0]), lo[0], hi[0]));
        s.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" font-size=\"12\" transform=\"rotate(-90 12 %d)\" "
                + "text-anchor=\"middle\">%s [%.2f, %.2f]</text></svg>", size / 2, size / 2,
                ReportCommand.esc(names[1]), lo[1], hi[1]));
        return s.toString();
    }
}
