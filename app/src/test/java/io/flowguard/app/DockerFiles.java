package io.flowguard.app;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reading {@code docker/} for {@link DockerFilesTest}: YAML documents, Dockerfile instructions, and the
 * {@code flowguard} command lines that compose services and images run.
 */
final class DockerFiles {

    static final Path ROOT = OpsFiles.OPS.getParent();
    static final Path DOCKER = ROOT.resolve("docker");
    static final String CLI_CLASS = "io.flowguard.app.FlowGuardCli";
    static final Path COMPOSE = DOCKER.resolve("compose.yml");
    static final List<String> DOCKERFILES = List.of("Dockerfile.scorer", "Dockerfile.retrainer",
            "Dockerfile.scorer-cuda", "Dockerfile.flink");

    /**
     * Parses YAML with SnakeYAML, reached by reflection: it is on the test class path only at runtime scope
     * (kafka_2.13 -> jackson-dataformat-yaml -> snakeyaml), and declaring it with test scope in app's pom would take
     * it out of the distribution's lib/, which the embedded broker needs. Returns plain maps, lists and scalars.
     */
    static Object yaml(Path file) throws IOException {
        String text = Files.readString(file);
        try {
            Object parser = Class.forName("org.yaml.snakeyaml.Yaml").getConstructor().newInstance();
            return parser.getClass().getMethod("load", String.class).invoke(parser, text);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(ROOT.relativize(file) + ": expected it to parse as YAML, got "
                    + (e.getCause() != null ? e.getCause() : e), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        assertTrue(o instanceof Map, what + ": expected a mapping, got " + o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o, String what) {
        assertTrue(o instanceof List, what + ": expected a list, got " + o);
        return (List<Object>) o;
    }

    /** One Dockerfile instruction, continuation lines joined. */
    record Instruction(String keyword, String args) {}

    static List<Instruction> dockerfile(Path file) throws IOException {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : Files.readAllLines(file)) {
            String line = raw.strip();
            if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.startsWith("#")) {
                continue; // a comment line inside a continued instruction
            }
            boolean continues = line.endsWith("\\");
            current.append(continues ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!continues) {
                String text = current.toString().strip();
                int space = text.indexOf(' ');
                out.add(new Instruction(text.substring(0, space).toUpperCase(Locale.ROOT),
                        text.substring(space + 1).strip()));
                current.setLength(0);
            }
        }
        return out;
    }

    static List<String> all(List<Instruction> instructions, String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::args).toList();
    }

    /** An exec-form (JSON array) ENTRYPOINT or CMD. */
    static List<String> execForm(String args, String what) {
        JsonElement json = JsonParser.parseString(args);
        assertTrue(json.isJsonArray(), what + ": expected the exec (JSON array) form, got " + args);
        List<String> out = new ArrayList<>();
        json.getAsJsonArray().forEach(e -> out.add(e.getAsString()));
        return out;
    }

    /** A {@code flowguard} command line: where it is written and the arguments after the CLI's main class. */
    record Invocation(String where, List<String> args) {

        /** The subcommand path: the leading arguments that are not options. */
        List<String> subcommand() {
            List<String> path = new ArrayList<>();
            for (String a : args) {
                if (a.startsWith("-")) {
                    break;
                }
                path.add(a);
            }
            return path;
        }

        /** Option values by name ({@code --name=value} or {@code --name value}; flags map to ""). */
        Map<String, String> options() {
            Map<String, String> options = new LinkedHashMap<>();
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (!a.startsWith("--")) {
                    continue;
                }
                int eq = a.indexOf('=');
                if (eq > 0) {
                    options.put(a.substring(0, eq), a.substring(eq + 1));
                } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("-")) {
                    options.put(a, args.get(++i));
                } else {
                    options.put(a, "");
                }
            }
            return options;
        }

        String option(String name) {
            String v = options().get(name);
            assertNotNull(v, where + ": expected option " + name + ", got " + args);
            return v;
        }
    }

    /** The arguments after the CLI class in an exec-form command, or null when it does not run the CLI. */
    static List<String> afterCli(List<String> command) {
        int i = command.indexOf(CLI_CLASS);
        return i < 0 ? null : new ArrayList<>(command.subList(i + 1, command.size()));
    }

    /**
     * Every CLI run in a shell script: the words after the CLI class up to the end of that simple command
     * ({@code ;}, {@code &&}, {@code ||}, {@code |} or a closing brace). Double quotes group words.
     */
    static List<List<String>> cliRunsInShell(String script) {
        List<List<String>> runs = new ArrayList<>();
        List<String> words = shellWords(script);
        for (int i = 0; i < words.size(); i++) {
            if (!words.get(i).equals(CLI_CLASS)) {
                continue;
            }
            List<String> args = new ArrayList<>();
            for (int j = i + 1; j < words.size(); j++) {
                String w = words.get(j);
                if (List.of(";", "&&", "||", "|", "}").contains(w)) {
                    break;
                }
                boolean last = w.endsWith(";");
                args.add(last ? w.substring(0, w.length() - 1) : w);
                if (last) {
                    break;
                }
            }
            runs.add(args);
        }
        return runs;
    }

    private static List<String> shellWords(String script) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        for (char c : script.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (w.length() > 0) {
                    words.add(w.toString());
                    w.setLength(0);
                }
            } else {
                w.append(c);
            }
        }
        if (w.length() > 0) {
            words.add(w.toString());
        }
        return words;
    }

    /** A YAML value that is a string or a list of strings, as a list (a string stays one element). */
    static List<String> strings(Object o) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(o));
    }

    static Map<String, Map<String, Object>> services() throws IOException {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        map(map(yaml(COMPOSE), "compose.yml").get("services"), "services")
                .forEach((name, s) -> out.put(name, map(s, "service " + name)));
        return out;
    }

    static Path dockerfileOf(Map<String, Object> service) {
        if (!service.containsKey("build")) {
            return null;
        }
        Map<String, Object> build = map(service.get("build"), "build");
        return DOCKER.resolve(String.valueOf(build.get("context"))).resolve(String.valueOf(build.get("dockerfile")))
                .normalize();
    }

    /** Every CLI run of every compose service (entrypoint from the service or its image) and Dockerfile. */
    static List<Invocation> invocations() throws IOException {
        List<Invocation> out = new ArrayList<>();
        for (var e : services().entrySet()) {
            Map<String, Object> s = e.getValue();
            Path dockerfile = dockerfileOf(s);
            List<String> entrypoint = s.containsKey("entrypoint") ? strings(s.get("entrypoint"))
                    : dockerfile == null ? List.of()
                    : execForm(all(dockerfile(dockerfile), "ENTRYPOINT").get(0), dockerfile.toString());
            List<String> command = strings(s.get("command"));
            List<String> cli = afterCli(entrypoint);
            if (cli != null) {
                cli.addAll(command);
                out.add(new Invocation("compose service " + e.getKey(), cli));
            } else if (entrypoint.size() == 2 && entrypoint.get(1).equals("-c") && s.containsKey("build")) {
                for (List<String> run : cliRunsInShell(String.join(" ", command))) {
                    out.add(new Invocation("compose service " + e.getKey(), run));
                }
            }
        }
        for (String name : DOCKERFILES) {
            List<Instruction> d = dockerfile(DOCKER.resolve(name));
            List<String> entry = all(d, "ENTRYPOINT");
            if (!entry.isEmpty()) {
                List<String> cli = afterCli(execForm(entry.get(0), name));
                assertNotNull(cli, name + ": expected the ENTRYPOINT to run " + DockerFiles.CLI_CLASS);
                all(d, "CMD").forEach(c -> cli.addAll(execForm(c, name)));
                out.add(new Invocation(name, cli));
            }
        }
        return out;
    }

    static Invocation of(String service) throws IOException {
        return invocations().stream().filter(i -> i.where().equals("compose service " + service)).findFirst()
                .orElseThrow(() -> new AssertionError("expected compose service " + service + " to run flowguard"));
    }

    /** The one target of each job in a Prometheus configuration. */
    static Map<String, String> targets(Path config) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Object o : list(map(yaml(config), config.toString()).get("scrape_configs"), "scrape_configs")) {
            Map<String, Object> job = map(o, "job");
            Map<String, Object> sc = map(list(job.get("static_configs"), "static_configs").get(0), "static_config");
            out.put(String.valueOf(job.get("job_name")), strings(sc.get("targets")).get(0));
        }
        return out;
    }

    /** Container path to host source of a service's bind mounts. */
    static Map<String, String> mounts(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : strings(service.get("volumes"))) {
            String[] p = v.split(":");
            out.put(p[1], p[0]);
        }
        return out;
    }

    private DockerFiles() {}
}
