package io.flowguard.app;

import static io.flowguard.app.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.app.CliTest.Run;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch CLI's inputs and outputs (issue 15, section 5): a table is read as written or refused in one line naming
 * file, row and column, and an output file is replaced whole or not at all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliInputTest {

    private Path dir;
    private Path csv;
    private Path model;

    @BeforeAll
    void trainOnce(@TempDir Path tmp) throws IOException {
        dir = tmp;
        csv = dir.resolve("abc.csv");
        StringBuilder sb = new StringBuilder("a,b,c\n");
        Random random = new Random(5);
        for (int i = 0; i < 1500; i++) {
            double x = random.nextGaussian();
            sb.append(x).append(',').append(0.5 * x + random.nextGaussian()).append(',')
                    .append(random.nextDouble()).append('\n');
        }
        Files.writeString(csv, sb);
        model = dir.resolve("abc.fgck");
        Run train = cli("train", "--data", csv.toString(), "--layers", "2", "--hidden", "8", "--epochs", "2",
                "--device", "cpu", "--out", model.toString());
        assertEquals(0, train.status(), train.err());
    }

    private static void assertOneLineError(Run run, String... fragments) {
        assertEquals(FlowGuardCli.USER_ERROR, run.status(), run.err());
        String err = run.err().strip();
        List<String> lines = err.lines().filter(l -> !l.startsWith("read ")).toList();
        assertEquals(1, lines.size(), "one line: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace: " + err);
        for (String f : fragments) {
            assertTrue(lines.get(0).contains(f), "'" + f + "' in: " + err);
        }
    }

    /** The one-line message CsvTable refuses {@code text} with. */
    private String refusal(String text) throws IOException {
        Path file = Files.writeString(dir.resolve("t.csv"), text);
        RuntimeException e = assertThrows(RuntimeException.class, () -> CsvTable.read(file, null, null, "k"));
        assertTrue(FlowGuardCli.isUserError(e), "a user error: " + e);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        return e.getMessage().substring(file.toString().length() + 2);
    }

    private Run score(Path data, Path out) {
        return cli("score", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--device", "cpu");
    }

    @Test
    void duplicateAndEmptyColumnNamesAreRefusedNamingTheColumn() throws IOException {
        assertEquals("header, column 4 'a': expected unique column names, got the name of column 2 again",
                refusal("k,a,b,a\nx,1,2,3\n"));
        assertEquals("header, column 3: expected a column name, got an empty one", refusal("k,a,,b\nx,1,2,3\n"));
        Path twice = Files.writeString(dir.resolve("twice.csv"), "a,b,c,a\n1,2,3,4\n");
        assertOneLineError(score(twice, dir.resolve("twice-scores.csv")), twice.toString(), "column 4 'a'",
                "unique column names");
    }

    @Test
    void aByteOrderMarkIsNotPartOfTheFirstName() throws IOException {
        Path bom = dir.resolve("bom.csv");
        Files.write(bom, ("\uFEFF" + Files.readString(csv)).getBytes(StandardCharsets.UTF_8));
        Run run = score(bom, dir.resolve("bom-scores.csv"));
        assertEquals(0, run.status(), run.err());
        assertEquals("a", CsvTable.read(bom, null, null).names()[0]);
    }

    @Test
    void numbersAreOnlyPlainDecimalOrScientificNotation() throws IOException {
        for (String cell : new String[] {"0x1p3", "8d", "1.5f", "1,5", "1_000", "--1"}) {
            String quoted = cell.contains(",") ? "\"" + cell + "\"" : cell;
            assertEquals("row 3, column 'b': expected a number, got '" + cell + "'",
                    refusal("k,a,b\nx,1,2\ny,3," + quoted + "\n"), cell);
        }
        for (String cell : new String[] {"nan", "-Inf", "+infinity", "NaN"}) {
            assertEquals("row 2, column 'a': expected a finite number, got '" + cell + "'",
                    refusal("k,a,b\nx," + cell + ",2\n"), cell);
        }
        for (String cell : new String[] {"1e39", "-3.5e38", "1e400"}) {
            assertEquals("row 2, column 'a': expected a number with |x| <= 3.4028235E38, got '" + cell
                    + "' (out of float32 range)", refusal("k,a,b\nx," + cell + ",2\n"), cell);
        }
        Path ok = Files.writeString(dir.resolve("ok.csv"), "a,b,c,d,e,f\n1,-2.5,.5,3.,+1e-3,6.02E+23\n");
        assertArrayEquals(new float[] {1f, -2.5f, .5f, 3f, 1e-3f, 6.02e23f}, CsvTable.read(ok, null, null)
                .features().values());
    }

    @Test
    void gzipIsToldByContentAndABadCellIsShownShortAndEscaped() throws IOException {
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(Files.readAllBytes(csv));
        }
        Path hidden = Files.write(dir.resolve("zipped-but-named.csv"), zipped.toByteArray());
        Run run = score(hidden, dir.resolve("zipped-scores.csv"));
        assertEquals(0, run.status(), run.err());

        String binary = "\uFFFD\u0001\u0002".repeat(400);
        String message = refusal("k,a,b\nx,1," + binary + "\n");
        String shown = message.substring(message.indexOf("got '") + 4);
        assertTrue(shown.length() < 60, shown.length() + " characters: " + message);
        assertTrue(shown.startsWith("'\\ufffd\\u0001\\u0002\\ufffd"), message);
        assertTrue(message.endsWith("...'"), message);
        assertFalse(message.chars().anyMatch(ch -> ch < 0x20 || ch == 0xFFFD), message);
    }

    @Test
    void quotedFieldsAreReadAsRfc4180WritesThem() throws IOException {
        Path quoted = Files.writeString(dir.resolve("quoted.csv"), "\"k\",\"a\",b\r\n"
                + "\"Smith, J.\",\"1.5\",2\r\n\"say \"\"hi\"\"\",3,\" 4 \"\r\n");
        CsvTable table = CsvTable.read(quoted, List.of("a", "b"), null, "k");
        assertArrayEquals(new String[] {"Smith, J.", "say \"hi\""}, table.keys());
        assertArrayEquals(new float[] {1.5f, 2f, 3f, 4f}, table.features().values());
        assertEquals("line 3, column 2: expected a closing quote on the same line, got the end of the line (quoted "
                + "line breaks are not supported)", refusal("k,a,b\nx,1,2\ny,\"3\n4\",5\n"));
    }

    @Test
    void anOutputIsReplacedWholeOrNotAtAll() throws IOException {
        Path out = Files.writeString(dir.resolve("good.csv"), "the good file\n");
        RuntimeException boom = assertThrows(RuntimeException.class, () -> OutputFiles.write(out, "scores", w -> {
            w.write("half a fi");
            throw new IllegalStateException("failed mid-way");
        }));
        assertEquals("failed mid-way", boom.getMessage());
        assertEquals("the good file\n", Files.readString(out));
        OutputFiles.write(out, "scores", w -> w.write("new\n"));
        assertEquals("new\n", Files.readString(out));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList(),
                    "no temporary files left");
        }
    }

    @Test
    void anOutputPathThatCannotBeWrittenSaysWhyBeforeAnyWork() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("folder"));
        assertOneLineError(score(csv, folder), folder.toString(), "it is a directory");
        Path underFile = csv.resolve("x.csv");
        assertOneLineError(score(csv, underFile), underFile.toString(), csv + " is a file, not a directory");
        Run train = cli("train", "--data", csv.toString(), "--epochs", "1", "--device", "cpu", "--out",
                folder.toString());
        assertOneLineError(train, folder.toString(), "it is a directory");
        assertFalse(train.err().contains("epoch") || train.err().contains("read "), "checked before training: "
                + train.err());
        assertOneLineError(cli("sample", "--model", model.toString(), "--n", "5", "--out", underFile.toString()),
                underFile.toString(), "not a directory");
        assertOneLineError(cli("report", "--model", model.toString(), "--data", csv.toString(), "--out",
                folder.toString()), folder.toString(), "it is a directory");
    }

    @Test
    void trainingErrorsNameTheFile() throws IOException {
        Path tiny = Files.writeString(dir.resolve("tiny.csv"), "a,b\n1,2\n");
        assertOneLineError(cli("train", "--data", tiny.toString(), "--device", "cpu", "--out",
                dir.resolve("tiny.fgck").toString()), tiny.toString(), "expected at least 2 training rows, got 1");
        Path constant = Files.writeString(dir.resolve("constant.csv"), "a,b\n" + "1,2\n".repeat(50));
        assertOneLineError(cli("train", "--data", constant.toString(), "--device", "cpu", "--out",
                dir.resolve("constant.fgck").toString()), constant.toString(), "non-constant feature");
    }

    @Test
    void aFalseAlarmRateOutsideTheRangeNamesTheOptionAndTheRange() {
        Run run = cli("score", "--model", model.toString(), "--data", csv.toString(), "--out",
                dir.resolve("rate.csv").toString(), "--false-alarm-rate", "1e-17");
        assertOneLineError(run, "--false-alarm-rate", "expected a false-alarm rate in [1e-12, 0.5), got 1.0E-17");
        assertFalse(run.err().contains(model.toString()), "not the model's fault: " + run.err());
        Run smallest = cli("score", "--model", model.toString(), "--data", csv.toString(), "--out",
                dir.resolve("rate.csv").toString(), "--false-alarm-rate", "1e-12");
        assertEquals(0, smallest.status(), smallest.err());
    }

    @Test
    void sampleChecksNAndWritesInChunksWithProgress() throws IOException {
        for (String n : new String[] {"0", "-3", "1000000001", "500000000000"}) {
            assertOneLineError(cli("sample", "--model", model.toString(), "--n", n), "--n",
                    "expected 1 <= n <= 1,000,000,000");
        }
        Path big = dir.resolve("big.csv");
        Run run = cli("sample", "--model", model.toString(), "--n", "70000", "--seed", "4", "--device", "cpu",
                "--out", big.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("sampled 70,000 events"), run.err());
        List<String> lines = Files.readAllLines(big);
        assertEquals(70_001, lines.size());
        Path small = dir.resolve("small.csv");
        assertEquals(0, cli("sample", "--model", model.toString(), "--n", "50", "--seed", "4", "--device", "cpu",
                "--out", small.toString()).status());
        assertEquals(Files.readAllLines(small), lines.subList(0, 51), "chunks continue one random stream");
    }

    @Test
    void aCheckpointWithAnInvalidSpecIsRefusedInOneLine() throws IOException {
        Path bad = dir.resolve("bad-spec.fgck");
        CheckpointBytes.rewriteManifest(model, bad, json -> json.replaceFirst("\"layers\": \\d+", "\"layers\": 0"));
        assertOneLineError(cli("score", "--model", bad.toString(), "--data", csv.toString(), "--out",
                dir.resolve("bad-spec.csv").toString()), bad.toString(), "expected 1 <= layers <= 64, got 0");
    }
}
