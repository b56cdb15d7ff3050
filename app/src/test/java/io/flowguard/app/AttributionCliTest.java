package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case of issue 15 through the CLI: three features, x and y correlated, the untouched third one in units a
 * thousand times larger; on rows that break the x-y relation, {@code score} must name x or y first.
 */
class AttributionCliTest {

    private static String rows(int n, long seed, boolean broken) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("x,y,w\n");
        for (int i = 0; i < n; i++) {
            double x = r.nextGaussian();
            double e = r.nextGaussian() + (broken ? (r.nextBoolean() ? 4 : -4) : 0);
            double y = 0.9 * x + Math.sqrt(1 - 0.81) * e;
            sb.append((float) x).append(',').append((float) y).append(',').append((float) (1000 * r.nextGaussian()))
                    .append('\n');
        }
        return sb.toString();
    }

    @Test
    void rowsThatBreakARelationNameItsFeaturesFirstWhateverTheUnitsOfTheOthers(@TempDir Path dir)
            throws IOException {
        Path train = dir.resolve("train.csv");
        Path test = dir.resolve("broken.csv");
        Files.writeString(train, rows(5000, 1, false));
        Files.writeString(test, rows(300, 2, true));
        Path model = dir.resolve("m.fgck");
        CliTest.Run t = CliTest.cli("train", "--data", train.toString(), "--columns", "x,y,w", "--layers", "3",
                "--hidden", "32", "--epochs", "25", "--device", "cpu", "--out", model.toString());
        assertEquals(0, t.status(), t.err());
        Path scores = dir.resolve("scores.csv");
        CliTest.Run s = CliTest.cli("score", "--model", model.toString(), "--data", test.toString(), "--out",
                scores.toString());
        assertEquals(0, s.status(), s.err());
        List<String> lines = Files.readAllLines(scores);
        int top = lines.get(0).split(",").length;
        int involved = 0;
        int involvedByContribution = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            involved += c[9].startsWith("x(") || c[9].startsWith("y(") ? 1 : 0;
            // the per-coordinate log-density terms (contrib_x, contrib_y, contrib_w): w's are log 1000 lower
            double w = Double.parseDouble(c[12]);
            involvedByContribution += Math.min(Double.parseDouble(c[10]), Double.parseDouble(c[11])) < w ? 1 : 0;
        }
        double share = involved / (double) (lines.size() - 1);
        System.out.printf("score --data broken.csv: x or y named first in %.1f %% of %d rows (lowest contrib_*:"
                + " %.1f %%)%n", 100 * share, lines.size() - 1, 100.0 * involvedByContribution / (lines.size() - 1));
        assertTrue(share >= 0.9, "share " + share);
        assertEquals(10 + 2 * 3, top);

        Path alertsOnly = dir.resolve("alerts.csv");
        CliTest.Run a = CliTest.cli("score", "--model", model.toString(), "--data", train.toString(), "--out",
                alertsOnly.toString(), "--attribute", "alerts");
        assertEquals(0, a.status(), a.err());
        for (String line : Files.readAllLines(alertsOnly).subList(1, 200)) {
            String[] c = line.split(",", -1);
            assertEquals(c[7].equals("NORMAL"), c[9].isEmpty(), line);
        }
        assertEquals(2, CliTest.cli("score", "--model", model.toString(), "--data", test.toString(), "--out",
                alertsOnly.toString(), "--attribute", "some").status());
    }
}
