package io.flowguard.app;

import io.flowguard.schemas.RetrainRequest;
import io.flowguard.schemas.WireCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code flowguard retrainer} as its own JVM for a benchmark, as it is deployed: beside the scorer on the same
 * cores, at a lower CPU priority ({@code nice}), its log copied to a file and its refit lines to stderr; its state
 * read from its {@code /metrics}.
 */
final class RetrainerProcess implements AutoCloseable {

    private final Process process;
    private final int metricsPort;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private RetrainerProcess(Process process, int metricsPort, Path log) {
        this.process = process;
        this.metricsPort = metricsPort;
        this.log = log;
    }

    static RetrainerProcess start(List<String> cliArgs, int nice, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        if (nice > 0 && Files.isExecutable(Path.of("/usr/bin/nice"))) {
            command.addAll(List.of("/usr/bin/nice", "-n", String.valueOf(nice)));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn", "-cp", System.getProperty("java.class.path"),
                FlowGuardCli.class.getName()));
        command.addAll(cliArgs);
        int port = Integer.parseInt(cliArgs.get(cliArgs.indexOf("--metrics-port") + 1));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread relay = new Thread(() -> relay(p, log), "bench-retrainer-log");
        relay.setDaemon(true);
        relay.start();
        return new RetrainerProcess(p, port, log);
    }

    private static void relay(Process p, Path log) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.println(line);
                if (line.contains("refit (") && (line.contains("started") || line.contains("APPROVED")
                        || line.contains("REJECTED") || line.contains("failed"))) {
                    System.err.println("  retrainer: " + line.substring(Math.max(0, line.indexOf("refit ("))));
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    void awaitStarted(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("expected the retrainer to run, got exit " + process.exitValue()
                        + "; see " + log);
            }
            if (Files.exists(log) && Files.readString(log).contains("metrics on http")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("expected the retrainer to start within " + timeout + "; see " + log);
    }

    /** True while its {@code flowguard_retrainer_refit_in_progress} gauge says 1. */
    boolean refitting() {
        return gauge("flowguard_retrainer_refit_in_progress") > 0;
    }

    /** Waits until its window holds {@code events}. */
    void awaitWindow(int events, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (gauge("flowguard_retrainer_window_events") < events && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
    }

    /** One unlabelled gauge from its {@code /metrics} (NaN when unreadable). */
    private double gauge(String name) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
                    + "/metrics")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.body().lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l ->
                    Double.parseDouble(l.substring(name.length() + 1).trim())).findFirst().orElse(Double.NaN);
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Double.NaN;
        }
    }

    /** What {@code flowguard model retrain} does: a {@code RetrainRequest} on {@code model-requests}. */
    static void requestRefit(String bootstrap, String model) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("model-requests", model.getBytes(StandardCharsets.UTF_8),
                    WireCodec.of(RetrainRequest.class).encode(RetrainRequest.newBuilder().setModelName(model)
                            .setRequestedAt(Instant.now()).setRequestedBy("bench").build())));
        }
    }

    /** The retrainer's resident set size in bytes (0 when not on Linux). */
    long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // gone or not Linux
        }
        return 0;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
