package io.flowguard.app;

import static io.flowguard.app.OpsFiles.OPS;
import static io.flowguard.app.OpsFiles.PROMETHEUS;
import static io.flowguard.app.OpsFiles.alertBlocks;
import static io.flowguard.app.OpsFiles.assumePromtool;
import static io.flowguard.app.OpsFiles.dashboardQueries;
import static io.flowguard.app.OpsFiles.dashboards;
import static io.flowguard.app.OpsFiles.expressions;
import static io.flowguard.app.OpsFiles.panels;
import static io.flowguard.app.OpsFiles.promtool;
import static io.flowguard.app.OpsFiles.ruleFiles;
import static io.flowguard.app.OpsFiles.ruleTests;
import static io.flowguard.app.OpsFiles.run;
import static io.flowguard.app.OpsFiles.runbookAnchors;
import static io.flowguard.app.OpsFiles.variableQueries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operations kit in {@code ops/}: the Prometheus configuration and alert rules pass {@code promtool check} and
 * their unit tests ({@code promtool test rules}); every alert has a severity, a summary, a description and a runbook
 * link to a section that exists; every Grafana panel queries the provisioned datasource, and its PromQL parses
 * (checked by promtool as generated recording rules); every metric name used in a rule or a panel is one of the
 * exported names listed in {@code ops/metrics.txt}. The promtool checks are skipped, with a message, when promtool
 * is not on PATH (Debian package {@code prometheus}).
 */
class OpsConfigTest {

    private static final String DATASOURCE_UID = "flowguard-prometheus";
    private static final String RUNBOOK_URL = "https://github.com/flowguard/flowguard/blob/main/ops/RUNBOOK.md#";
    /** A metric name token: not part of a longer identifier, and no recording-rule name (those contain ':'). */
    private static final Pattern METRIC = Pattern.compile("(?<![A-Za-z0-9_:])flowguard_[A-Za-z0-9_]+(?![A-Za-z0-9_:])");

    @Test
    void prometheusConfigAndRulesPassPromtool() throws Exception {
        assumePromtool("check config / check rules");
        String config = promtool(PROMETHEUS, "check", "config", "prometheus.yml");
        assertTrue(config.contains("SUCCESS: " + ruleFiles().size() + " rule files found"), config);
        List<String> rules = new ArrayList<>(List.of("check", "rules"));
        ruleFiles().forEach(f -> rules.add(PROMETHEUS.relativize(f).toString()));
        promtool(PROMETHEUS, rules.toArray(String[]::new));
    }

    @Test
    void alertRuleUnitTestsPass() throws Exception {
        assumePromtool("test rules");
        List<String> args = new ArrayList<>(List.of("test", "rules"));
        ruleTests().forEach(f -> args.add(PROMETHEUS.relativize(f).toString()));
        promtool(PROMETHEUS, args.toArray(String[]::new));
    }

    /** At least six rules are unit-tested, each with a case where it fires and one where it stays quiet. */
    @Test
    void unitTestsCoverSixRulesFiringAndQuiet() throws IOException {
        Pattern testCase = Pattern.compile("alertname:\\s*(\\S+)\\s*\\n\\s*exp_alerts:[ \\t]*(\\[\\])?");
        Map<String, Set<Boolean>> cases = new LinkedHashMap<>();
        Set<String> alerts = new HashSet<>(alertBlocks().keySet());
        for (Path file : ruleTests()) {
            Matcher m = testCase.matcher(Files.readString(file));
            while (m.find()) {
                assertTrue(alerts.contains(m.group(1)), file + " tests an alert that no rule defines: " + m.group(1));
                cases.computeIfAbsent(m.group(1), k -> new HashSet<>()).add(m.group(2) == null);
            }
        }
        List<String> both = cases.entrySet().stream().filter(e -> e.getValue().size() == 2).map(Map.Entry::getKey)
                .toList();
        assertTrue(both.size() >= 6, "expected at least 6 rules tested firing and quiet, got " + both + " of " + cases);
    }

    @Test
    void everyAlertHasSeverityForDurationAnnotationsAndARunbookSection() throws IOException {
        Set<String> anchors = runbookAnchors();
        Map<String, String> blocks = alertBlocks();
        assertFalse(blocks.isEmpty(), "expected alert rules in " + ruleFiles());
        for (Map.Entry<String, String> alert : blocks.entrySet()) {
            String name = alert.getKey();
            String block = alert.getValue();
            assertTrue(Pattern.compile("(?m)^\\s+severity: (critical|warning|info)\\s*$").matcher(block).find(),
                    name + ": expected a severity label critical, warning or info");
            assertTrue(Pattern.compile("(?m)^\\s+for: \\d+[smh]\\s*$").matcher(block).find(),
                    name + ": expected a for: duration");
            for (String annotation : List.of("summary", "description")) {
                assertTrue(Pattern.compile("(?m)^\\s+" + annotation + ": \\S").matcher(block).find(),
                        name + ": expected a " + annotation + " annotation");
            }
            Matcher url = Pattern.compile("(?m)^\\s+runbook_url: (\\S+)\\s*$").matcher(block);
            assertTrue(url.find(), name + ": expected a runbook_url annotation");
            String expected = RUNBOOK_URL + name.toLowerCase(Locale.ROOT);
            assertEquals(expected, url.group(1), name + ": runbook_url");
            assertTrue(anchors.contains(name.toLowerCase(Locale.ROOT)),
                    name + ": expected a section \"## " + name + "\" in ops/RUNBOOK.md");
        }
    }

    @Test
    void everyDashboardPanelQueriesTheProvisionedDatasource() throws IOException {
        String datasource = Files.readString(OPS.resolve("grafana/provisioning/datasources/flowguard.yml"));
        assertTrue(datasource.contains("uid: " + DATASOURCE_UID), "datasource provisioning must fix the uid");
        Set<String> uids = new HashSet<>();
        for (Path file : dashboards()) {
            JsonObject d = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
            String where = OPS.relativize(file).toString();
            assertTrue(uids.add(string(d, "uid", where)), where + ": dashboard uid used twice");
            string(d, "title", where);
            string(d, "refresh", where);
            assertTrue(d.has("time") && d.has("templating"), where + ": expected time and templating");
            assertTrue(d.get("schemaVersion").getAsInt() >= 36, where + ": expected schemaVersion >= 36");
            Set<Integer> ids = new HashSet<>();
            List<JsonObject> panels = panels(d);
            assertFalse(panels.isEmpty(), where + ": no panels");
            for (JsonObject panel : panels) {
                String p = where + " panel \"" + string(panel, "title", where) + "\"";
                assertTrue(ids.add(panel.get("id").getAsInt()), p + ": panel id used twice");
                assertTrue(panel.has("gridPos"), p + ": expected a gridPos");
                if ("row".equals(string(panel, "type", p))) {
                    continue;
                }
                assertEquals(DATASOURCE_UID, uid(panel), p + ": datasource uid");
                JsonArray targets = panel.has("targets") ? panel.getAsJsonArray("targets") : new JsonArray();
                assertFalse(targets.isEmpty(), p + ": expected targets");
                for (JsonElement t : targets) {
                    assertEquals(DATASOURCE_UID, uid(t.getAsJsonObject()), p + ": target datasource uid");
                    String expr = string(t.getAsJsonObject(), "expr", p);
                    assertFalse(expr.contains("=\"$"), p + ": a multi-value variable needs =~, not =: " + expr);
                }
            }
            for (JsonElement v : d.getAsJsonObject("templating").getAsJsonArray("list")) {
                assertEquals(DATASOURCE_UID, uid(v.getAsJsonObject()), where + ": variable datasource uid");
            }
            for (JsonElement a : d.getAsJsonObject("annotations").getAsJsonArray("list")) {
                if (a.getAsJsonObject().has("expr")) {
                    assertEquals(DATASOURCE_UID, uid(a.getAsJsonObject()), where + ": annotation datasource uid");
                }
            }
        }
        assertTrue(uids.size() >= 2, "expected at least two dashboards, got " + uids);
    }

    /** Every panel and annotation query, as a recording rule {@code flowguard:panel_<n>}, passes promtool. */
    @Test
    void everyDashboardQueryIsValidPromQL(@TempDir Path dir) throws Exception {
        assumePromtool("the dashboards' PromQL check");
        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard-panels\n    rules:\n");
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> q : dashboardQueries().entrySet()) {
            String expr = q.getValue().replaceAll("\\$\\{?__[a-z_]+\\}?", "5m")
                    .replaceAll("\\$\\{?[A-Za-z_]\\w*(:\\w+)?\\}?", ".*");
            rules.append("      - record: flowguard:panel_").append(names.size()).append('\n')
                    .append("        expr: ").append(gson.toJson(expr)).append('\n');
            names.add("flowguard:panel_" + names.size() + " = " + q.getKey());
        }
        Path file = dir.resolve("dashboard-panels.yml");
        Files.writeString(file, rules);
        OpsFiles.Result r = run(dir, "check", "rules", file.toString());
        String help = r.out() + "\nwhere each rule comes from:\n" + String.join("\n", names);
        assertEquals(0, r.status(), help);
        assertTrue(r.out().contains("SUCCESS: " + names.size() + " rules found"), help);
    }

    @Test
    void everyMetricNameIsAnExportedOne() throws IOException {
        Set<String> exported = new HashSet<>();
        for (String line : Files.readAllLines(OPS.resolve("metrics.txt"))) {
            if (!line.isBlank()) {
                assertTrue(METRIC.matcher(line.strip()).matches(), "ops/metrics.txt: not a metric name: " + line);
                exported.add(line.strip());
            }
        }
        Map<String, String> used = new LinkedHashMap<>();
        for (Path file : ruleFiles()) {
            for (String expr : expressions(Files.readString(file))) {
                names(expr).forEach(n -> used.putIfAbsent(n, OPS.relativize(file).toString()));
            }
        }
        dashboardQueries().forEach((where, expr) -> names(expr).forEach(n -> used.putIfAbsent(n, where)));
        variableQueries().forEach((where, query) -> names(query).forEach(n -> used.putIfAbsent(n, where)));
        assertTrue(used.size() >= 10, "expected the rules and panels to use metrics, got " + used.keySet());
        Set<String> unknown = new TreeSet<>();
        used.forEach((name, where) -> {
            if (!exported.contains(name)) {
                unknown.add(name + " (" + where + ")");
            }
        });
        assertTrue(unknown.isEmpty(), "metric names not in ops/metrics.txt: " + unknown);
    }

    private static String uid(JsonObject o) {
        return o.has("datasource") && o.get("datasource").isJsonObject() && o.getAsJsonObject("datasource").has("uid")
                ? o.getAsJsonObject("datasource").get("uid").getAsString() : null;
    }

    private static String string(JsonObject o, String field, String where) {
        assertTrue(o.has(field) && !o.get(field).getAsString().isBlank(), where + ": expected a non-empty " + field);
        return o.get(field).getAsString();
    }

    private static Set<String> names(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

}
