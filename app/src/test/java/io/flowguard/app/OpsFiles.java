package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Reading {@code ops/} for {@link OpsConfigTest}: the rule, test and dashboard files, the alert blocks and
 * {@code expr:} values of the rule files (plain text: no YAML library on the test classpath), the runbook's heading
 * anchors, the dashboards' queries, and running promtool.
 */
final class OpsFiles {

    static final Path OPS = findOps();
    static final Path PROMETHEUS = OPS.resolve("prometheus");

    /** Surefire runs in the module directory; the tree's root is the first parent holding ops/metrics.txt. */
    private static Path findOps() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("ops/metrics.txt"))) {
                return dir.resolve("ops");
            }
        }
        throw new IllegalStateException("expected ops/metrics.txt above " + Path.of("").toAbsolutePath());
    }

    private static List<Path> yamlIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    static List<Path> ruleFiles() throws IOException {
        return yamlIn(PROMETHEUS.resolve("rules"));
    }

    static List<Path> ruleTests() throws IOException {
        return yamlIn(PROMETHEUS.resolve("tests"));
    }

    static List<Path> dashboards() throws IOException {
        try (Stream<Path> s = Files.list(OPS.resolve("grafana/dashboards"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    /** Each {@code - alert: NAME} of the rule files with its text up to the next rule or group. */
    static Map<String, String> alertBlocks() throws IOException {
        Map<String, String> blocks = new LinkedHashMap<>();
        Pattern alert = Pattern.compile("(?m)^\\s*- alert: (\\S+)\\s*$");
        for (Path file : ruleFiles()) {
            String text = Files.readString(file);
            Matcher m = alert.matcher(text);
            List<int[]> starts = new ArrayList<>();
            List<String> names = new ArrayList<>();
            while (m.find()) {
                starts.add(new int[] {m.start(), m.end()});
                names.add(m.group(1));
            }
            for (int i = 0; i < names.size(); i++) {
                int end = i + 1 < names.size() ? starts.get(i + 1)[0] : text.length();
                String block = text.substring(starts.get(i)[1], end);
                int group = block.indexOf("\n  - name: ");
                assertTrue(blocks.put(names.get(i), group < 0 ? block : block.substring(0, group)) == null,
                        "alert defined twice: " + names.get(i));
            }
        }
        return blocks;
    }

    /** The {@code expr:} values of a rules file: inline, or a block scalar (the lines indented under the key). */
    static List<String> expressions(String yaml) {
        List<String> exprs = new ArrayList<>();
        String[] lines = yaml.split("\n", -1);
        Pattern key = Pattern.compile("^(\\s*)expr:\\s*(.*)$");
        for (int i = 0; i < lines.length; i++) {
            Matcher m = key.matcher(lines[i]);
            if (!m.matches()) {
                continue;
            }
            String rest = m.group(2).strip();
            if (!rest.startsWith("|") && !rest.startsWith(">")) {
                exprs.add(rest.replaceAll("^[\"']|[\"']$", ""));
                continue;
            }
            int indent = m.group(1).length();
            StringBuilder block = new StringBuilder();
            while (i + 1 < lines.length && (lines[i + 1].isBlank() || indentOf(lines[i + 1]) > indent)) {
                block.append(lines[++i].strip()).append('\n');
            }
            exprs.add(block.toString().strip());
        }
        return exprs;
    }

    private static int indentOf(String line) {
        return line.length() - line.stripLeading().length();
    }

    /** GitHub's heading anchors of ops/RUNBOOK.md: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> runbookAnchors() throws IOException {
        Set<String> anchors = new HashSet<>();
        for (String line : Files.readAllLines(OPS.resolve("RUNBOOK.md"))) {
            if (line.startsWith("#")) {
                String heading = line.replaceFirst("^#+\\s*", "").strip().toLowerCase(Locale.ROOT);
                anchors.add(heading.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }

    /** Every PromQL query of the dashboards' panels and annotations, keyed by where it is. */
    static Map<String, String> dashboardQueries() throws IOException {
        Map<String, String> queries = new LinkedHashMap<>();
        for (Path file : dashboards()) {
            JsonObject d = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            String where = OPS.relativize(file).toString();
            for (JsonObject panel : panels(d)) {
                if (panel.has("targets")) {
                    for (JsonElement t : panel.getAsJsonArray("targets")) {
                        JsonObject target = t.getAsJsonObject();
                        queries.put(where + " \"" + panel.get("title").getAsString() + "\" "
                                + target.get("refId").getAsString(), target.get("expr").getAsString());
                    }
                }
            }
            for (JsonElement a : d.getAsJsonObject("annotations").getAsJsonArray("list")) {
                JsonObject annotation = a.getAsJsonObject();
                if (annotation.has("expr")) {
                    queries.put(where + " annotation \"" + annotation.get("name").getAsString() + "\"",
                            annotation.get("expr").getAsString());
                }
            }
        }
        return queries;
    }

    /** The template variables' queries (Grafana's {@code label_values(...)}, not PromQL), keyed by where. */
    static Map<String, String> variableQueries() throws IOException {
        Map<String, String> queries = new LinkedHashMap<>();
        for (Path file : dashboards()) {
            JsonObject d = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            for (JsonElement v : d.getAsJsonObject("templating").getAsJsonArray("list")) {
                JsonObject variable = v.getAsJsonObject();
                if (variable.has("definition")) {
                    queries.put(OPS.relativize(file) + " variable " + variable.get("name").getAsString(),
                            variable.get("definition").getAsString());
                }
            }
        }
        return queries;
    }

    /** Panels of a dashboard, rows' nested panels included. */
    static List<JsonObject> panels(JsonObject container) {
        List<JsonObject> all = new ArrayList<>();
        if (container.has("panels")) {
            for (JsonElement p : container.getAsJsonArray("panels")) {
                all.add(p.getAsJsonObject());
                all.addAll(panels(p.getAsJsonObject()));
            }
        }
        return all;
    }

    static void assumePromtool(String what) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(s -> !s.isEmpty()).anyMatch(dir -> Files.isExecutable(Path.of(dir, "promtool")));
        if (!found) {
            System.out.println("SKIPPED promtool " + what + ": promtool is not on PATH (apt-get install prometheus)");
        }
        Assumptions.assumeTrue(found, "promtool is not on PATH (apt-get install prometheus): " + what + " skipped");
    }

    /** Exit status and output (stdout and stderr) of one promtool run. */
    record Result(int status, String out) {}

    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "promtool " + String.join(" ", args) + " did not finish");
        return new Result(p.exitValue(), out);
    }

    /** Runs promtool in {@code dir}, asserts exit status 0 and returns its output. */
    static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        Result r = run(dir, args);
        assertEquals(0, r.status(), "promtool " + String.join(" ", args) + " in " + dir + ":\n" + r.out());
        return r.out();
    }

    private OpsFiles() {}
}
