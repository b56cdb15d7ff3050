package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowguard nab} on a corpus laid out as NAB's with made-up categories: NAB's results layout, one row per
 * data row in order, the label column from the windows, scores in [0, 1] with the probation at 0, a level shift in
 * its window detected (nab-score's standard profile above the null detector), and bad input as one line naming file,
 * row and column.
 */
class NabCliTest {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final LocalDateTime T0 = LocalDateTime.of(2016, 3, 1, 0, 0);
    private static final int ROWS = 1400;
    private static final int SHIFT = 1000;

    @TempDir
    Path dir;

    private void series(String file, boolean shift) throws IOException {
        Random r = new Random(file.hashCode());
        StringBuilder data = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < ROWS; i++) {
            double v = 20 + 3 * Math.sin(i / 40.0) + 0.5 * r.nextGaussian() + (shift && i >= SHIFT ? 8 : 0);
            data.append(T0.plusMinutes(10L * i).format(TIME)).append(',')
                    .append(String.format(java.util.Locale.ROOT, "%.3f", v)).append('\n');
        }
        Path d = dir.resolve("data").resolve(file);
        Files.createDirectories(d.getParent());
        Files.writeString(d, data);
    }

    @Test
    void writesNabsLayoutAndFindsTheShift() throws IOException {
        series("plantA/pump_1.csv", true);
        series("quiet/pump_2.csv", false);
        Files.createDirectories(dir.resolve("labels"));
        Files.writeString(dir.resolve("labels/combined_windows.json"), "{\"plantA/pump_1.csv\": [[\""
                + T0.plusMinutes(10L * (SHIFT - 35)).format(TIME) + ".000000\", \""
                + T0.plusMinutes(10L * (SHIFT + 35)).format(TIME) + ".000000\"]], \"quiet/pump_2.csv\": []}");
        CliTest.Run run = CliTest.cli("nab", "--data", dir.resolve("data").toString(), "--out",
                dir.resolve("results").toString(), "--labels", dir.resolve("labels").toString(), "--detector", "fg");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("nab [1/2] plantA/pump_1.csv: 1,400 rows, probation 210"), run.err());
        String[] out = run.out().strip().split("\n");
        JsonObject json = JsonParser.parseString(out[out.length - 1]).getAsJsonObject();
        assertEquals(2, json.get("files").getAsInt());
        assertEquals(2 * ROWS, json.get("rows").getAsLong());

        List<String> lines = Files.readAllLines(dir.resolve("results/fg/plantA/fg_pump_1.csv"));
        List<String> data = Files.readAllLines(dir.resolve("data/plantA/pump_1.csv"));
        assertEquals("timestamp,value,anomaly_score,label", lines.get(0));
        assertEquals(ROWS + 1, lines.size());
        double shiftScore = 0;
        for (int i = 1; i <= ROWS; i++) {
            String[] f = lines.get(i).split(",");
            String[] d = data.get(i).split(",");
            assertEquals(d[0], f[0], "row " + i + " keeps the timestamp");
            assertEquals(Double.parseDouble(d[1]), Double.parseDouble(f[1]), 0.0, "row " + i + " keeps the value");
            double score = Double.parseDouble(f[2]);
            assertTrue(score >= 0 && score <= 1, "row " + i);
            if (i <= 210) {
                assertEquals(0.0, score, "probation row " + i);
            }
            boolean inWindow = i - 1 >= SHIFT - 35 && i - 1 <= SHIFT + 35;
            assertEquals(inWindow ? "1" : "0", f[3], "label of row " + i);
            if (i - 1 == SHIFT) {
                shiftScore = score;
            }
        }
        assertTrue(shiftScore > 0.75, "the level shift scored " + shiftScore + " (0.75: p = 1e-3)");
        assertTrue(Files.isRegularFile(dir.resolve("results/fg/quiet/fg_pump_2.csv")));

        CliTest.Run scored = CliTest.cli("nab-score", "--results", dir.resolve("results/fg").toString(), "--data",
                dir.resolve("data").toString(), "--labels", dir.resolve("labels").toString());
        assertEquals(0, scored.status(), scored.err());
        String[] s = scored.out().strip().split("\n");
        JsonObject score = JsonParser.parseString(s[s.length - 1]).getAsJsonObject();
        double standard = score.getAsJsonObject("standard").get("score").getAsDouble();
        assertTrue(standard > 50, "standard profile " + standard + " (null detector 0, perfect 100)");
    }

    @Test
    void aBadValueIsOneLineNamingFileRowAndColumn() throws IOException {
        series("plantA/pump_1.csv", false);
        Path file = dir.resolve("data/plantA/pump_1.csv");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(file));
        lines.set(7, lines.get(7).split(",")[0] + ",n/a");
        Files.write(file, lines);
        CliTest.Run run = CliTest.cli("nab", "--data", dir.resolve("data").toString(), "--out",
                dir.resolve("results").toString());
        assertEquals(FlowGuardCli.USER_ERROR, run.status());
        String err = run.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("pump_1.csv: row 8, column value: expected a finite number, got 'n/a'"), err);
    }
}
