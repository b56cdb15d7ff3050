package io.flowguard.stream.kafka;

import io.flowguard.model.FlowGuardException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A single-node Apache Kafka broker in KRaft mode (broker and controller in one process) on loopback, run from
 * Kafka's own server jars ({@code kafka_2.13} on this JVM's class path) as a child JVM with its data in a
 * temporary directory: the demo's and the integration tests' real broker. Formats the storage with Kafka's
 * {@code StorageTool}, starts {@code kafka.Kafka}, waits until the broker answers an admin request.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    private static final int NETWORK_THREADS = Integer.getInteger("flowguard.kafka.network-threads", 1);
    private static final int IO_THREADS = Integer.getInteger("flowguard.kafka.io-threads", 2);

    private final Path dir;
    private final int port;
    private final Process process;

    private EmbeddedKafkaBroker(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Starts a broker and blocks until it serves requests (about 10 s), or throws naming its log file. */
    public static EmbeddedKafkaBroker start() {
        return start(false);
    }

    /**
     * @param optimizing run the broker JVM with both JIT compilers (as a production broker runs) instead of the
     *     quick-start setting (C1 only), which starts faster and compiles less but runs the broker's code slower:
     *     benchmarks that measure steady state want {@code true}
     */
    public static EmbeddedKafkaBroker start(boolean optimizing) {
        try {
            String parent = System.getProperty("flowguard.kafka.dir"); // e.g. /dev/shm: keep the disk out of a bench
            Path dir = parent == null ? Files.createTempDirectory("flowguard-kafka-")
                    : Files.createTempDirectory(Path.of(parent), "flowguard-kafka-");
            int port = freePort();
            int controllerPort = freePort();
            Path config = dir.resolve("server.properties");
            Files.writeString(config, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=1",
                    "default.replication.factor=1",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=4",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "transaction.state.log.num.partitions=4",
                    "group.initial.rebalance.delay.ms=0",
                    "auto.create.topics.enable=false",
                    "log.flush.interval.messages=9223372036854775807",
                    // one loopback node on a small machine: fewer request threads, fewer hand-offs between them
                    "num.network.threads=" + NETWORK_THREADS,
                    "num.io.threads=" + IO_THREADS,
                    "") + "\n");
            Path log = dir.resolve("broker.log");
            String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
            Process format = java(List.of("kafka.tools.StorageTool", "format", "-t", clusterId, "-c",
                    config.toString()), log, "256m", false);
            if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new FlowGuardException("expected Kafka's StorageTool to format " + dir + ", got exit "
                        + (format.isAlive() ? "timeout" : format.exitValue()) + "; see " + log);
            }
            Process broker = java(List.of("kafka.Kafka", config.toString()), log, "1g", optimizing);
            EmbeddedKafkaBroker started = new EmbeddedKafkaBroker(dir, port, broker);
            try {
                started.awaitReady(Duration.ofSeconds(120), log);
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlowGuardException("interrupted while starting Kafka", e);
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Creates the topics (ignoring those that exist) with {@code partitions} partitions each. */
    public void createTopics(int partitions, String... topics) {
        createTopics(bootstrapServers(), partitions, topics);
    }

    /** Creates the topics on any cluster (replication factor 1), ignoring those that exist. */
    public static void createTopics(String bootstrapServers, int partitions, String... topics) {
        createTopics(bootstrapServers, partitions, Map.of(), topics);
    }

    /**
     * Creates a compacted topic with one partition (a control topic: the newest record per key is what counts, and
     * one partition keeps every reader's view of the order the same), ignoring one that exists.
     */
    public static void createCompactedTopic(String bootstrapServers, String topic) {
        createTopics(bootstrapServers, 1, Map.of("cleanup.policy", "compact"), topic);
    }

    private static void createTopics(String bootstrapServers, int partitions, Map<String, String> configs,
            String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            List<NewTopic> requests = new ArrayList<>();
            for (String t : topics) {
                requests.add(new NewTopic(t, partitions, (short) 1).configs(configs));
            }
            admin.createTopics(requests).values().forEach((name, future) -> {
                try {
                    future.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new FlowGuardException("cannot create topic " + name + ": " + e.getCause(), e);
                    }
                } catch (Exception e) {
                    throw new FlowGuardException("cannot create topic " + name + ": " + e, e);
                }
            });
        }
    }

    private void awaitReady(Duration timeout, Path log) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new FlowGuardException("expected the Kafka broker to run, got exit " + process.exitValue()
                            + "; see " + log);
                }
                try {
                    admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    Thread.sleep(250);
                }
            }
        }
        throw new FlowGuardException("expected the Kafka broker to answer within " + timeout + ", see " + log);
    }

    private static Process java(List<String> mainAndArgs, Path log, String heap, boolean optimizing)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.add("-XX:+UseSerialGC");
        if (!optimizing) {
            command.add("-XX:TieredStopAtLevel=1");
        }
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 20 s) and deletes its data. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is not worth failing a shutdown for
        }
    }

    @Override
    public String toString() {
        return "Kafka broker " + bootstrapServers() + " (" + dir + ", " + UUID.nameUUIDFromBytes(dir.toString()
                .getBytes()) + ")";
    }
}
