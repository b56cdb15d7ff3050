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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowguard nab-score} on a corpus laid out as NAB's (two made-up categories, one window in one file): the
 * detector that fires at the window's first row scores 2 sigma(5) - 1 of the way from null to perfect under every
 * profile; a detector that never fires scores 0; a missing results file is one line naming it.
 */
class NabScoreCliTest {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final LocalDateTime T0 = LocalDateTime.of(2015, 1, 1, 0, 0);

    @TempDir
    Path dir;

    private void corpus(String detector, int fireAt) throws IOException {
        for (String file : new String[] {"alpha/one.csv", "beta/two.csv"}) {
            StringBuilder data = new StringBuilder("timestamp,value\n");
            StringBuilder results = new StringBuilder("timestamp,value,anomaly_score,label\n");
            for (int i = 0; i < 200; i++) {
                String t = T0.plusMinutes(5L * i).format(TIME);
                data.append(t).append(',').append(i % 7).append('\n');
                boolean fire = file.startsWith("alpha") && i == fireAt;
                results.append(t).append(',').append(i % 7).append(',').append(fire ? "0.9" : "0.1").append(",0\n");
            }
            Path d = dir.resolve("data").resolve(file);
            Files.createDirectories(d.getParent());
            Files.writeString(d, data);
            String name = file.substring(file.indexOf('/') + 1);
            Path r = dir.resolve("results").resolve(detector).resolve(file.substring(0, file.indexOf('/')))
                    .resolve(detector + "_" + name);
            Files.createDirectories(r.getParent());
            Files.writeString(r, results);
        }
        Files.createDirectories(dir.resolve("labels"));
        Files.writeString(dir.resolve("labels/combined_windows.json"), "{\"alpha/one.csv\": [[\""
                + T0.plusMinutes(5L * 100).format(TIME) + ".000000\", \"" + T0.plusMinutes(5L * 119).format(TIME)
                + ".000000\"]], \"beta/two.csv\": []}");
    }

    private JsonObject score(String detector) {
        CliTest.Run run = CliTest.cli("nab-score", "--results", dir.resolve("results").resolve(detector).toString(),
                "--data", dir.resolve("data").toString(), "--labels", dir.resolve("labels").toString());
        assertEquals(0, run.status(), run.err());
        String[] lines = run.out().strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    @Test
    void anEarlyDetectionScoresNearlyPerfectAndSilenceScoresZero() throws IOException {
        corpus("early", 100);
        JsonObject early = score("early");
        double sigma = 2 / (1 + Math.exp(-5)) - 1;
        assertEquals(100 * (sigma + 1) / 2, early.getAsJsonObject("standard").get("score").getAsDouble(), 0.01);
        assertEquals(100 * (sigma + 2) / 3, early.getAsJsonObject("reward_low_FN_rate").get("score").getAsDouble(),
                0.01);
        assertEquals(1, early.getAsJsonObject("standard").get("tp").getAsInt());
        corpus("silent", -1);
        JsonObject silent = score("silent");
        assertEquals(0, silent.getAsJsonObject("standard").get("score").getAsDouble(), 1e-9);
        assertEquals(1, silent.getAsJsonObject("standard").get("fn").getAsInt());
    }

    @Test
    void aMissingResultsFileIsOneLineNamingIt() throws IOException {
        corpus("early", 100);
        Files.delete(dir.resolve("results/early/beta/early_two.csv"));
        CliTest.Run run = CliTest.cli("nab-score", "--results", dir.resolve("results/early").toString(), "--data",
                dir.resolve("data").toString(), "--labels", dir.resolve("labels").toString());
        assertEquals(FlowGuardCli.USER_ERROR, run.status());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().contains("early_two.csv") && run.err().contains("expected the detector's results"),
                run.err());
    }
}
