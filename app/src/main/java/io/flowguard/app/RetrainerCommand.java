package io.flowguard.app;

import io.flowguard.model.FlowGuardException;
import io.flowguard.retrainer.Retrainer;
import io.flowguard.retrainer.RetrainerConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flowguard retrainer}: the long-running service that keeps a model alive (see {@link Retrainer}). */
@Command(name = "retrainer", description = "Keep a model fresh: window the events topic, refit on a schedule, on "
        + "drift or on request, validate, and release approved checkpoints to the control topic.")
final class RetrainerCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--model-name", defaultValue = "default", description = "Model name (control-topic key).")
    String modelName;

    @Option(names = "--store", defaultValue = "runs/models", description = "Checkpoint store directory.")
    Path store;

    @Option(names = "--window-events", defaultValue = "100000", description = "Most events in the training window.")
    int windowEvents;

    @Option(names = "--window-seconds", defaultValue = "0",
            description = "Drop events older than this many seconds of event time before the newest (0: no limit).")
    long windowSeconds;

    @Option(names = "--schedule-seconds", defaultValue = "0", description = "Refit every this many seconds (0: off).")
    long scheduleSeconds;

    @Option(names = "--min-interval-seconds", defaultValue = "300",
            description = "Least time between two automatic refits.")
    long minIntervalSeconds;

    @Option(names = "--drift-sustain-seconds", defaultValue = "30",
            description = "How long drift must last before it triggers a refit.")
    long driftSustainSeconds;

    @Option(names = "--drift-shift", defaultValue = "0.5", description = "Median shift of live log-likelihoods, in "
            + "calibrated robust standard deviations, that counts as drift.")
    double driftShift;

    @Option(names = "--alert-grace-seconds", defaultValue = "5",
            description = "How long an event waits for its alert before it may enter the window.")
    double alertGraceSeconds;

    @Option(names = "--min-events", defaultValue = "2000", description = "Fewest window events a refit runs on.")
    int minEvents;

    @Option(names = "--gate-margin", defaultValue = "0.02", description = "Allowed holdout NLL excess over the "
            + "serving model, nats per feature.")
    double gateMargin;

    @Option(names = "--train-threads", defaultValue = "1",
            description = "Engine threads for training (default 1 leaves a core to the scorer).")
    int trainThreads;

    @Option(names = "--warm-start", description = "Continue from the serving model's weights and preprocessing.")
    boolean warmStart;

    @Option(names = "--signing-key", description = "Ed25519 private key (PEM) that signs approved releases.")
    Path signingKey;

    @Option(names = "--initial-checkpoint", description = "Released first when the control topic has no release.")
    Path initialCheckpoint;

    @Option(names = "--features", split = ",", description = "Feature names when nothing serves yet (default: the "
            + "first event's).")
    List<String> features;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", description = "Address /metrics binds to "
            + "(0.0.0.0 in a container, so that Prometheus can reach it).")
    String metricsHost;

    @Option(names = "--metrics-port", defaultValue = "9465", description = "/metrics port (0: a free one).")
    int metricsPort;

    @Mixin
    ModelOptions model;

    @Mixin
    PolicyOptions policy;

    @Override
    public Integer call() throws Exception {
        if (model.trim == null) {
            model.trim = 0.02;
        }
        if (model.maxSeconds == null) {
            model.maxSeconds = 120.0;
        }
        RetrainerConfig config;
        try {
            config = RetrainerConfig.builder(bootstrapServers, store).modelName(modelName)
                    .window(windowEvents, Duration.ofSeconds(windowSeconds))
                    .schedule(Duration.ofSeconds(scheduleSeconds), Duration.ofSeconds(minIntervalSeconds))
                    .drift(4096, driftShift, 1.5, 0, Duration.ofSeconds(driftSustainSeconds))
                    .alertGrace(Duration.ofMillis((long) (alertGraceSeconds * 1000))).minEvents(minEvents)
                    .model(model.spec(model.seed), model.preprocessing(), model.train(model.seed))
                    .warmStart(warmStart).trainThreads(trainThreads).gate(gateMargin, 2).policy(policy.policy())
                    .signingKey(signingKey).initialCheckpoint(initialCheckpoint)
                    .featureNames(features == null ? List.of() : features).build();
        } catch (FlowGuardException e) {
            throw new UserError(e.getMessage());
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Retrainer retrainer = new Retrainer(config);
        try (HTTPServer server = retrainer.metrics().serve(metricsHost, metricsPort)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                retrainer.close();
                stopped.countDown();
            }, "flowguard-retrainer-shutdown"));
            retrainer.start();
            System.out.printf("retrainer for model '%s' running; metrics on http://%s:%d/metrics%n",
                    modelName, metricsHost, server.getPort());
            stopped.await();
        }
        return 0;
    }
}
