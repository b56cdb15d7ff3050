package io.flowguard.app;

import static io.flowguard.app.DockerFiles.COMPOSE;
import static io.flowguard.app.DockerFiles.DOCKER;
import static io.flowguard.app.DockerFiles.DOCKERFILES;
import static io.flowguard.app.DockerFiles.ROOT;
import static io.flowguard.app.DockerFiles.afterCli;
import static io.flowguard.app.DockerFiles.all;
import static io.flowguard.app.DockerFiles.dockerfile;
import static io.flowguard.app.DockerFiles.dockerfileOf;
import static io.flowguard.app.DockerFiles.execForm;
import static io.flowguard.app.DockerFiles.invocations;
import static io.flowguard.app.DockerFiles.list;
import static io.flowguard.app.DockerFiles.map;
import static io.flowguard.app.DockerFiles.mounts;
import static io.flowguard.app.DockerFiles.of;
import static io.flowguard.app.DockerFiles.services;
import static io.flowguard.app.DockerFiles.strings;
import static io.flowguard.app.DockerFiles.targets;
import static io.flowguard.app.DockerFiles.yaml;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flowguard.app.DockerFiles.Instruction;
import io.flowguard.app.DockerFiles.Invocation;
import io.flowguard.stream.StreamConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * What can be checked of {@code docker/} without a Docker engine: the compose file and the Prometheus and Grafana
 * files parse; every image is pinned; every host path exists; every {@code flowguard} command line in compose and
 * in the Dockerfiles parses with the real CLI (subcommands, options, required options, value types); metrics ports
 * agree between the CLI defaults, the Dockerfiles, compose, {@code ops/prometheus/prometheus.yml} and the compose
 * scrape config; the files the services share (model, keys, store) are the same paths; topics, Kafka listeners and
 * Grafana provisioning paths match the code and {@code ops/}. Nothing here builds an image or starts a container.
 */
class DockerFilesTest {

    private static final String DATA = "/var/lib/flowguard/";

    private static CommandLine.Model.CommandSpec spec(String... path) {
        CommandLine c = new CommandLine(new FlowGuardCli());
        for (String p : path) {
            c = c.getSubcommands().get(p);
            assertNotNull(c, "expected subcommand " + String.join(" ", path));
        }
        return c.getCommandSpec();
    }

    private static String defaultOf(String option, String... path) {
        return spec(path).findOption(option).defaultValue();
    }

    @Test
    void everyFlowguardCommandLineParsesWithTheRealCli() throws Exception {
        List<Invocation> all = invocations();
        List<String> where = all.stream().map(Invocation::where).toList();
        for (String service : List.of("keygen", "model-init", "retrainer", "scorer", "generator")) {
            assertTrue(where.contains("compose service " + service), "expected a flowguard run in " + service);
        }
        for (Invocation inv : all) {
            CommandLine cli = new CommandLine(new FlowGuardCli());
            CommandLine.ParseResult r;
            try {
                r = cli.parseArgs(inv.args().toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                fail(inv.where() + ": `flowguard " + String.join(" ", inv.args()) + "` does not parse: "
                        + e.getMessage());
                return;
            }
            List<String> parsed = new ArrayList<>();
            for (CommandLine.ParseResult p = r.subcommand(); p != null; p = p.subcommand()) {
                parsed.add(p.commandSpec().name());
            }
            assertEquals(inv.subcommand(), parsed, inv.where());
            // and, as an operator would check it, every option is in the subcommand's --help
            List<String> help = new ArrayList<>(inv.subcommand());
            help.add("--help");
            String text = runCli(help.toArray(String[]::new));
            for (String option : inv.options().keySet()) {
                assertTrue(text.matches("(?s).*(?<![\\w-])" + option + "(?![\\w-]).*"),
                        inv.where() + ": expected " + option + " in `flowguard " + String.join(" ", help) + "`");
            }
        }
    }

    private static String runCli(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            assertEquals(0, FlowGuardCli.run(args), "flowguard " + String.join(" ", args));
        } finally {
            System.setOut(out);
        }
        return o.toString(StandardCharsets.UTF_8);
    }

    @Test
    void everyImageIsPinned() throws IOException {
        List<String> images = new ArrayList<>();
        services().forEach((name, s) -> images.add(name + " " + s.get("image")));
        for (String name : DOCKERFILES) {
            all(dockerfile(DOCKER.resolve(name)), "FROM").forEach(f -> images.add(name + " " + f.split("\\s+")[0]));
        }
        for (String image : images) {
            String ref = image.substring(image.indexOf(' ') + 1);
            String last = ref.substring(ref.lastIndexOf('/') + 1);
            boolean tagged = last.contains(":") && !last.endsWith(":latest") && !last.endsWith(":");
            assertTrue(tagged || ref.contains("@sha256:"), image + ": expected a pinned tag (not latest)");
        }
    }

    @Test
    void everyHostPathExistsAndEveryNamedVolumeIsDeclared() throws IOException {
        Map<String, Object> declared = map(map(yaml(COMPOSE), "compose.yml").get("volumes"), "volumes");
        for (var e : services().entrySet()) {
            for (String v : strings(e.getValue().get("volumes"))) {
                String source = v.split(":")[0];
                if (source.startsWith(".") || source.startsWith("/")) {
                    assertTrue(Files.exists(DOCKER.resolve(source)), e.getKey() + ": host path " + source
                            + " does not exist (relative to docker/)");
                } else {
                    assertTrue(declared.containsKey(source), e.getKey() + ": volume " + source + " not declared");
                }
            }
            Path dockerfile = dockerfileOf(e.getValue());
            if (dockerfile != null) {
                Object context = map(e.getValue().get("build"), "build").get("context");
                assertEquals(ROOT, DOCKER.resolve(String.valueOf(context)).normalize(),
                        e.getKey() + ": the build context is the repository root (.dockerignore, app/target)");
                assertTrue(Files.isRegularFile(dockerfile), e.getKey() + ": no " + dockerfile);
            }
        }
    }

    @Test
    void dockerfilesCopyOnlyTheDistributionAndRunAsTheirSubcommand() throws IOException {
        List<String> included = Files.readAllLines(ROOT.resolve(".dockerignore")).stream()
                .filter(l -> l.startsWith("!")).map(l -> l.substring(1)).toList();
        Path lib = ROOT.resolve("app/target/lib");
        for (String name : DOCKERFILES) {
            List<Instruction> d = dockerfile(DOCKER.resolve(name));
            Map<String, String> args = new LinkedHashMap<>();
            all(d, "ARG").stream().filter(a -> a.contains("="))
                    .forEach(a -> args.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1)));
            for (String copy : all(d, "COPY")) {
                List<String> words = new ArrayList<>(List.of(copy.split("\\s+")));
                words.removeIf(w -> w.startsWith("--"));
                for (String src : words.subList(0, words.size() - 1)) {
                    String s = src.startsWith("${") ? args.get(src.substring(2, src.length() - 1)) : src;
                    assertNotNull(s, name + ": " + src + " has no ARG default");
                    assertTrue(included.stream().anyMatch(p -> p.endsWith("/") ? s.startsWith(p)
                            : FileSystems.getDefault().getPathMatcher("glob:" + p).matches(Path.of(s))),
                            name + ": COPY " + s + " is excluded by .dockerignore " + included);
                    if (s.startsWith("app/target/lib/") && s.contains("*") && Files.isDirectory(lib)) {
                        var glob = FileSystems.getDefault().getPathMatcher("glob:" + s.substring(15));
                        try (Stream<Path> jars = Files.list(lib)) {
                            assertTrue(jars.anyMatch(j -> glob.matches(j.getFileName())), name + ": COPY " + s
                                    + " matches nothing in app/target/lib (built by mvn -DskipTests package)");
                        }
                    }
                }
            }
            if (!name.equals("Dockerfile.flink")) {
                String user = all(d, "USER").get(all(d, "USER").size() - 1);
                assertFalse(user.equals("root") || user.equals("0"), name + ": runs as root");
                String sub = name.replace("Dockerfile.", "").replace("-cuda", "");
                List<String> entry = afterCli(execForm(all(d, "ENTRYPOINT").get(0), name));
                assertEquals(List.of(sub), entry, name + ": ENTRYPOINT subcommand");
                String port = defaultOf("--metrics-port", sub);
                assertEquals(List.of(port), all(d, "EXPOSE"), name + ": EXPOSE vs " + sub + " --metrics-port");
                assertTrue(all(d, "HEALTHCHECK").get(0).contains("/dev/tcp/127.0.0.1/" + port + " "),
                        name + ": HEALTHCHECK port");
            }
        }
        String flink = Files.readString(DOCKER.resolve("Dockerfile.flink"));
        assertTrue(flink.contains("classloader.parent-first-patterns.additional: ai.djl."), "Dockerfile.flink");
        assertTrue(flink.contains("/opt/flink/usrlib/") && flink.contains("/opt/flink/lib/"), "Dockerfile.flink");
    }

    @Test
    void metricsPortsAgreeWithTheCliOpsAndTheComposeScrapeConfig() throws IOException {
        Map<String, String> opsTargets = targets(OpsFiles.PROMETHEUS.resolve("prometheus.yml"));
        Map<String, String> composeTargets = targets(DOCKER.resolve("prometheus-compose.yml"));
        assertTrue(opsTargets.keySet().containsAll(composeTargets.keySet()), "compose jobs not in ops: "
                + composeTargets.keySet() + " vs " + opsTargets.keySet());
        Map<String, Map<String, Object>> services = services();
        for (String sub : List.of("scorer", "retrainer")) {
            String job = "flowguard-" + sub;
            String port = defaultOf("--metrics-port", sub);
            assertEquals("127.0.0.1:" + port, opsTargets.get(job), "ops/prometheus/prometheus.yml " + job);
            String target = composeTargets.get(job);
            assertNotNull(target, "docker/prometheus-compose.yml: no job " + job);
            String service = target.substring(0, target.indexOf(':'));
            assertTrue(services.containsKey(service), "prometheus-compose.yml " + job + ": no service " + service);
            Invocation inv = of(service);
            assertEquals(List.of(sub), inv.subcommand(), "service " + service);
            String servicePort = inv.options().getOrDefault("--metrics-port", port);
            assertEquals(service + ":" + servicePort, target, "prometheus-compose.yml " + job);
            assertEquals("0.0.0.0", inv.option("--metrics-host"), service + ": /metrics must leave the container");
            assertTrue(strings(services.get(service).get("ports")).stream()
                    .anyMatch(p -> p.endsWith(":" + servicePort)), service + ": ports should publish " + servicePort);
        }
    }

    @Test
    void composePrometheusLoadsTheOpsRulesAndPassesPromtool(@TempDir Path tmp) throws Exception {
        Map<String, Object> prometheus = services().get("prometheus");
        Map<String, String> mounts = mounts(prometheus);
        String config = strings(prometheus.get("command")).stream().filter(c -> c.startsWith("--config.file="))
                .findFirst().orElseThrow().substring("--config.file=".length());
        assertEquals("./prometheus-compose.yml", mounts.get(config), "prometheus config mount");
        String configDir = config.substring(0, config.lastIndexOf('/'));
        for (String rules : strings(map(yaml(DOCKER.resolve("prometheus-compose.yml")), "").get("rule_files"))) {
            String dir = configDir + "/" + rules.substring(0, rules.lastIndexOf('/'));
            assertEquals("../ops/prometheus/rules", mounts.get(dir), "rule_files " + rules + " mount");
        }
        OpsFiles.assumePromtool("check config docker/prometheus-compose.yml");
        Files.copy(DOCKER.resolve("prometheus-compose.yml"), tmp.resolve("prometheus.yml"));
        Files.createDirectory(tmp.resolve("rules"));
        for (Path rule : OpsFiles.ruleFiles()) {
            Files.copy(rule, tmp.resolve("rules").resolve(rule.getFileName()));
        }
        OpsFiles.promtool(tmp, "check", "config", "prometheus.yml");
    }

    @Test
    void grafanaProvisioningMatchesOps() throws IOException {
        Map<String, String> mounts = mounts(services().get("grafana"));
        Map<String, Object> provider = map(list(map(yaml(OpsFiles.OPS.resolve(
                "grafana/provisioning/dashboards/flowguard.yml")), "").get("providers"), "providers").get(0), "");
        String dashboards = String.valueOf(map(provider.get("options"), "options").get("path"));
        assertEquals("../ops/grafana/dashboards", mounts.get(dashboards), "dashboards at the provider's path");
        assertEquals("../ops/grafana/provisioning/dashboards", mounts.get("/etc/grafana/provisioning/dashboards"));
        String datasources = mounts.get("/etc/grafana/provisioning/datasources");
        assertNotNull(datasources, "grafana: no datasource provisioning mounted");
        Map<String, Object> ops = datasource(OpsFiles.OPS.resolve("grafana/provisioning/datasources/flowguard.yml"));
        Map<String, Object> compose = datasource(DOCKER.resolve(datasources).resolve("flowguard.yml"));
        assertEquals(ops.get("uid"), compose.get("uid"), "datasource uid (the dashboards name it)");
        assertEquals(ops.get("type"), compose.get("type"));
        String url = String.valueOf(compose.get("url"));
        assertEquals("http://prometheus:9090", url, "compose datasource url");
        assertTrue(services().containsKey("prometheus")
                && strings(services().get("prometheus").get("ports")).stream().anyMatch(p -> p.endsWith(":9090")));
    }

    private static Map<String, Object> datasource(Path file) throws IOException {
        return map(list(map(yaml(file), file.toString()).get("datasources"), "datasources").get(0), "datasource");
    }

    @Test
    void servicesShareOneModelOneKeyPairAndOneStore() throws IOException {
        Invocation scorer = of("scorer");
        Invocation retrainer = of("retrainer");
        Invocation keygen = of("keygen");
        Invocation init = of("model-init");
        assertEquals(List.of("model", "keygen"), keygen.subcommand());
        assertEquals(List.of("demo"), init.subcommand());
        assertEquals(init.option("--out"), scorer.option("--checkpoint"), "scorer starts on model-init's model");
        assertEquals(init.option("--out"), retrainer.option("--initial-checkpoint"), "first release");
        assertEquals(keygen.option("--out") + "/release-signing.key", retrainer.option("--signing-key"));
        assertEquals(keygen.option("--out") + "/release-signing.pub", scorer.option("--public-key"));
        assertEquals(retrainer.option("--store"), scorer.option("--store"), "releases name the retrainer's store");
        for (Invocation inv : List.of(scorer, retrainer, keygen, init)) {
            String service = inv.where().replace("compose service ", "");
            assertEquals("flowguard-data", mounts(services().get(service)).get(DATA.substring(0, DATA.length() - 1)),
                    service + ": the shared volume");
            inv.options().forEach((k, v) -> assertTrue(!v.startsWith("/") || v.startsWith(DATA),
                    inv.where() + " " + k + "=" + v + " is outside the shared volume " + DATA));
        }
    }

    @Test
    void kafkaListenerAndTopicsMatchWhatTheServicesUse() throws Exception {
        Map<String, Object> env = map(services().get("kafka").get("environment"), "kafka environment");
        String advertised = String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS"));
        for (Invocation inv : invocations()) {
            String servers = inv.options().get("--bootstrap-servers");
            if (inv.where().startsWith("compose") && servers != null) {
                assertTrue(advertised.contains("://" + servers), inv.where() + ": " + servers + " is not an "
                        + "advertised listener " + advertised);
            }
        }
        assertEquals(16, Base64.getUrlDecoder().decode(String.valueOf(env.get("CLUSTER_ID"))).length, "CLUSTER_ID");
        assertEquals("1", String.valueOf(env.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR")), "exactly-once");
        String script = String.join("\n", strings(services().get("topics").get("command")));
        StreamConfig stream = StreamConfig.defaults("kafka:9092");
        for (String topic : List.of(stream.eventsTopic(), stream.scoresTopic(), stream.alertsTopic(),
                stream.deadLettersTopic(), defaultOf("--requests-topic", "model", "retrain"),
                defaultOf("--topic", "ingest"))) {
            assertTrue(script.matches("(?s).*for topic in [^;]*(?<![\\w-])" + topic + "(?![\\w-]).*--partitions 2.*"),
                    "topics: " + topic + " with 2 partitions");
        }
        String control = defaultOf("--control-topic", "scorer");
        assertEquals(control, defaultOf("--control-topic", "model", "list"));
        assertTrue(script.contains("--topic " + control + " --partitions 1 --config cleanup.policy=compact"),
                "topics: " + control + " compacted, one partition");
    }
}
