package io.flowguard.app;

import static io.flowguard.app.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The issue-18 families through the CLI: train, score and sample by name, and the family comparison harness. */
class FamiliesCliTest {

    @TempDir
    Path dir;

    /** 600 rows of a correlated 3-D Gaussian, the last 30 shifted far away and labelled 1. */
    private Path labelled() throws IOException {
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder sb = new StringBuilder("a,b,c,label\n");
        for (int i = 0; i < 600; i++) {
            boolean anomaly = i >= 570;
            double x = r.nextGaussian();
            double y = 0.8 * x + 0.6 * r.nextGaussian() + (anomaly ? 6 : 0);
            double z = r.nextGaussian() - (anomaly ? 5 : 0);
            sb.append(String.format(Locale.ROOT, "%.5f,%.5f,%.5f,%d%n", x, y, z, anomaly ? 1 : 0));
        }
        Path file = dir.resolve("toy.csv");
        Files.writeString(file, sb);
        return file;
    }

    @Test
    void everyNewFamilyTrainsScoresAndSamplesByName() throws IOException {
        Path data = labelled();
        for (String name : new String[] {"nice", "realnvp", "glow", "iaf"}) {
            Path model = dir.resolve(name + ".fgck");
            CliTest.Run train = cli("train", "--data", data.toString(), "--label-column", "label", "--model", name,
                    "--layers", "2", "--hidden", "8", "--epochs", "2", "--device", "cpu", "--out", model.toString());
            assertEquals(0, train.status(), train.err());
            assertTrue(train.out().contains("trained " + name), train.out());
            Path scores = dir.resolve(name + "-scores.csv");
            CliTest.Run score = cli("score", "--model", model.toString(), "--data", data.toString(), "--out",
                    scores.toString());
            assertEquals(0, score.status(), score.err());
            assertEquals(601, Files.readAllLines(scores).size());
            Path samples = dir.resolve(name + "-samples.csv");
            CliTest.Run sample = cli("sample", "--model", model.toString(), "--n", "20", "--out", samples.toString());
            assertEquals(0, sample.status(), sample.err());
            assertEquals(21, Files.readAllLines(samples).size());
        }
    }

    @Test
    void anUnknownFamilyIsAOneLineError() throws IOException {
        Path data = labelled();
        CliTest.Run unknown = cli("train", "--data", data.toString(), "--model", "gan", "--out",
                dir.resolve("g.fgck").toString());
        assertEquals(FlowGuardCli.USER_ERROR, unknown.status());
        assertTrue(unknown.err().contains("--model: expected one of maf, nsf, nsf-coupling, nice, realnvp, glow, iaf, "
                + "planar, radial, resflow, cnf, got 'gan'"), unknown.err());
    }

    @Test
    void benchFamiliesPrintsATableAndEndsWithOneJsonLine() throws IOException {
        Path data = labelled();
        CliTest.Run run = cli("bench", "families", "--data", data.toString(), "--models", "realnvp,iaf,cnf",
                "--layers", "2", "--hidden", "8", "--epochs", "3", "--device", "cpu", "--min-seconds", "0",
                "--sample-events", "200");
        assertEquals(0, run.status(), run.err());
        String[] lines = run.out().strip().split("\n");
        assertTrue(lines[0].startsWith("| dataset | family | test NLL | normal test NLL | AUROC"), run.out());
        JsonObject json = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        JsonArray results = json.getAsJsonArray("results");
        assertEquals(3, results.size());
        for (int i = 0; i < 2; i++) {
            JsonObject r = results.get(i).getAsJsonObject();
            assertEquals("toy", r.get("dataset").getAsString());
            assertFalse(r.has("error"), r.toString());
            assertTrue(Double.isFinite(r.get("test_nll").getAsDouble()), r.toString());
            assertTrue(r.get("normal_test_nll").getAsDouble() < r.get("test_nll").getAsDouble(),
                    "the anomalies raise the mean NLL: " + r);
            double auroc = r.get("auroc").getAsDouble();
            assertTrue(auroc > 0.9 && auroc <= 1, "far-away anomalies rank first: " + r);
            assertTrue(r.get("score_events_per_second").getAsLong() > 0, r.toString());
            assertTrue(r.get("sample_events_per_second").getAsLong() > 0, r.toString());
            assertTrue(r.get("parameters").getAsLong() > 0, r.toString());
        }
        assertEquals("realnvp", results.get(0).getAsJsonObject().get("model").getAsString());
        JsonObject cnf = results.get(2).getAsJsonObject();
        assertEquals("cnf", cnf.get("model").getAsString());
        assertFalse(cnf.has("error"), cnf.toString());
        assertTrue(Double.isFinite(cnf.get("test_nll").getAsDouble()), cnf.toString());
        assertTrue(cnf.get("sample_events_per_second").getAsLong() > 0, cnf.toString());
    }
}
