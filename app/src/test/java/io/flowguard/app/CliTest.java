package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.ingest.synthetic.PumpStationSimulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, in-process: train, score, sample, and one-line errors for user mistakes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTest {

    private Path dir;
    private Path csv;
    private Path model;

    /** Exit status, stdout and stderr of one CLI run. */
    record Run(int status, String out, String err) {}

    static Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = FlowGuardCli.run(args);
            return new Run(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @BeforeAll
    void trainOnce(@TempDir Path tmp) throws IOException {
        dir = tmp;
        csv = dir.resolve("pump.csv");
        StringBuilder sb = new StringBuilder("id," + String.join(",", PumpStationSimulator.SENSORS) + "\n");
        int id = 0;
        for (PumpStationSimulator.Reading r : new PumpStationSimulator(1, 0).take(3000)) {
            sb.append(id++);
            for (float v : r.values()) {
                sb.append(',').append(v);
            }
            sb.append('\n');
        }
        Files.writeString(csv, sb);
        model = dir.resolve("m.fgck");
        Run train = cli("train", "--data", csv.toString(), "--columns", String.join(",", PumpStationSimulator.SENSORS),
                "--layers", "2", "--hidden", "16", "--epochs", "3", "--device", "cpu", "--out", model.toString());
        assertEquals(0, train.status(), train.err());
        assertTrue(train.out().contains("trained maf"), train.out());
        assertTrue(train.err().contains("epoch   3/3"), "progress lines on stderr: " + train.err());
    }

    @Test
    void everySubcommandHasHelp() {
        for (String[] args : List.of(new String[] {"train", "--help"}, new String[] {"bench", "stream", "--help"},
                new String[] {"eval-synthetic", "-h"})) {
            Run r = cli(args);
            assertEquals(0, r.status(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: flowguard " + args[0]), r.out());
        }
        assertTrue(cli("bench", "stream", "--help").out().contains("--commit-interval-ms"));
    }

    @Test
    void scoreWritesOneRowPerInputWhoseContributionsSumToTheTotal() throws IOException {
        Path scores = dir.resolve("scores.csv");
        Run run = cli("score", "--model", model.toString(), "--data", csv.toString(), "--out", scores.toString());
        assertEquals(0, run.status(), run.err());
        List<String> lines = Files.readAllLines(scores);
        assertEquals(3001, lines.size());
        String[] header = lines.get(0).split(",");
        assertEquals("log_likelihood", header[1]);
        assertEquals("verdict", header[7]);
        assertEquals("top_features", header[9]);
        assertEquals("contrib_flow_m3h", header[10]);
        int d = (header.length - 10) / 2;
        assertEquals("z_" + header[10].substring("contrib_".length()), header[10 + d]);
        java.util.Set<String> verdicts = new java.util.HashSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] c = line.split(",", -1);
            double total = Double.parseDouble(c[1]);
            double sum = 0;
            for (int j = 10; j < 10 + d; j++) {
                sum += Double.parseDouble(c[j]);
            }
            double largest = -1;
            String largestName = null;
            for (int j = 10 + d; j < 10 + 2 * d; j++) {
                double z = Math.abs(Double.parseDouble(c[j]));
                if (z > largest) {
                    largest = z;
                    largestName = header[j].substring("z_".length());
                }
            }
            assertEquals(total, sum, 1e-3 * Math.max(1, Math.abs(total)));
            verdicts.add(c[7]);
            // ranked by the two-sided tail of each feature's conditional given the others: largest |z| first
            assertTrue(c[9].startsWith(largestName + "(z="), "top feature first: " + c[9] + " vs " + largestName);
            assertEquals(3, c[9].split(";").length, c[9]);
        }
        assertTrue(java.util.Set.of("NORMAL", "LOW_DENSITY", "HIGH_DENSITY_ATYPICAL", "WINDOW_TYPICALITY")
                .containsAll(verdicts), verdicts.toString());
        assertTrue(verdicts.contains("NORMAL"));
        assertTrue(run.out().contains("guarded rule at a false-alarm rate of 1.0E-4"), run.out());
    }

    @Test
    void scoreRunsWindowsPerKeyAndReportsTheirMeans() throws IOException {
        Path keyed = dir.resolve("keyed.csv");
        List<String> rows = Files.readAllLines(csv);
        StringBuilder sb = new StringBuilder("station," + rows.get(0) + "\n");
        for (int i = 1; i < rows.size(); i++) {
            sb.append("s").append(i % 3).append(',').append(rows.get(i)).append('\n');
        }
        Files.writeString(keyed, sb);
        Path scores = dir.resolve("keyed-scores.csv");
        Run run = cli("score", "--model", model.toString(), "--data", keyed.toString(), "--out", scores.toString(),
                "--key-column", "station", "--false-alarm-rate", "0.01");
        assertEquals(0, run.status(), run.err());
        List<String> lines = Files.readAllLines(scores);
        assertEquals("key", lines.get(0).split(",")[1]);
        // Three keys in turn: no window is full before each key's 32nd event (row 3 * 31 + k); after that the
        // mean is reported for every event that no per-event test flagged (flagged ones stay out of windows).
        int full = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] c = lines.get(i).split(",", -1);
            assertEquals("s" + (i % 3), c[1]);
            if (i <= 3 * 31) {
                assertTrue(c[6].isEmpty(), "no window mean yet in row " + i);
            } else {
                full += c[6].isEmpty() ? 0 : 1;
            }
        }
        assertTrue(full > 0.9 * (lines.size() - 1 - 3 * 31), "window means in " + full + " rows");
        Run bad = cli("score", "--model", model.toString(), "--data", keyed.toString(), "--out", scores.toString(),
                "--key-column", "nope");
        assertOneLineError(bad, "keyed.csv", "expected a key column 'nope'");
        Run rate = cli("score", "--model", model.toString(), "--data", keyed.toString(), "--out", scores.toString(),
                "--false-alarm-rate", "2");
        assertOneLineError(rate, "--false-alarm-rate", "expected a false-alarm rate in [1e-12, 0.5), got 2.0");
    }

    @Test
    void reportWritesHtmlWithHistogramsAndThresholds() throws IOException {
        Path html = dir.resolve("report.html");
        Run run = cli("report", "--model", model.toString(), "--data", csv.toString(), "--out", html.toString());
        assertEquals(0, run.status(), run.err());
        String page = Files.readString(html);
        assertTrue(page.contains("<svg") && page.contains("stroke-dasharray"), "histogram with threshold lines");
        assertTrue(page.contains("3000 events"), page.substring(0, 400));
        assertTrue(run.out().startsWith("wrote "), run.out());
    }

    @Test
    void sampleDrawsTheRequestedNumberOfEvents() throws IOException {
        Path out = dir.resolve("samples.csv");
        Run run = cli("sample", "--model", model.toString(), "--n", "50", "--seed", "3", "--out", out.toString());
        assertEquals(0, run.status(), run.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(51, lines.size());
        assertTrue(lines.get(0).endsWith(",log_prob"));
        assertEquals(PumpStationSimulator.SENSORS.size() + 1, lines.get(1).split(",").length);
    }

    private static void assertOneLineError(Run run, String... fragments) {
        assertEquals(FlowGuardCli.USER_ERROR, run.status(), run.err());
        String err = run.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String f : fragments) {
            assertTrue(err.contains(f), "'" + f + "' in: " + err);
        }
    }

    @Test
    void userErrorsAreOneLineNamingFileRowAndColumn() throws IOException {
        Path bad = dir.resolve("bad.csv");
        List<String> lines = Files.readAllLines(csv);
        lines.set(4, lines.get(4).replaceFirst(",[^,]+", ",abc"));
        Files.write(bad, lines);
        Path out = dir.resolve("o.csv");
        assertOneLineError(cli("score", "--model", model.toString(), "--data", bad.toString(), "--out",
                out.toString()), bad.toString(), "row 5", "flow_m3h", "abc");

        lines = Files.readAllLines(csv);
        lines.set(2, lines.get(2).replaceFirst(",[^,]+$", ",NaN"));
        Files.write(bad, lines);
        assertOneLineError(cli("score", "--model", model.toString(), "--data", bad.toString(), "--out",
                out.toString()), "row 3", "rpm", "finite");

        lines = Files.readAllLines(csv);
        lines.set(7, lines.get(7) + ",1");
        Files.write(bad, lines);
        assertOneLineError(cli("train", "--data", bad.toString(), "--out", out.toString()), "row 8",
                "expected 9 columns");

        Files.writeString(bad, "a,b\n1,2\n");
        assertOneLineError(cli("score", "--model", model.toString(), "--data", bad.toString(), "--out",
                out.toString()), "missing", "flow_m3h");

        assertOneLineError(cli("score", "--model", dir.resolve("none.fgck").toString(), "--data", csv.toString(),
                "--out", out.toString()), "none.fgck", "no such checkpoint");
        assertOneLineError(cli("train", "--data", dir.resolve("none.csv").toString(), "--out", out.toString()),
                "none.csv", "no such file");
        assertOneLineError(cli("score", "--model", csv.toString(), "--data", csv.toString(), "--out",
                out.toString()), "not a FlowGuard checkpoint");
        assertOneLineError(cli("train", "--data", csv.toString(), "--model", "gan", "--out", out.toString()),
                "--model", "gan");
    }

    @Test
    void unknownOptionsAreRefusedWithUsage() {
        Run run = cli("train", "--data", "x.csv", "--out", "y.fgck", "--frobnicate");
        assertEquals(FlowGuardCli.USER_ERROR, run.status());
        assertTrue(run.err().contains("Unknown option"), run.err());
    }

    @Test
    void ingestNamesTheFileRowAndColumnOfABadCell() throws IOException {
        Path bad = dir.resolve("bad-ingest.csv");
        Files.writeString(bad, "id,a,b\n1,0.7,oops\n2,0.5,2\n");
        Run run = cli("ingest", "--bootstrap-servers", "127.0.0.1:1", "--file", bad.toString(), "--id-column", "id");
        assertEquals(2, run.status());
        assertEquals("flowguard ingest: error: " + bad + ": row 1, column 'b': expected a number, got 'oops'",
                run.err().strip().lines().reduce((a, b) -> b).orElse(""));
        Run missing = cli("ingest", "--bootstrap-servers", "127.0.0.1:1", "--file", dir.resolve("nope.csv").toString());
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("nope.csv: no such file"), missing.err());
    }
}
