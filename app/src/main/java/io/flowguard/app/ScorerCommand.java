package io.flowguard.app;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.LocalCheckpointStore;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.model.checkpoint.ReleaseVerifier;
import io.flowguard.model.engine.Devices;
import io.flowguard.stream.ScoringService;
import io.flowguard.stream.StreamConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code flowguard scorer}: the exactly-once Kafka Streams scorer as a service, following model releases. */
@Command(name = "scorer", description = "Score the events topic with exactly-once Kafka Streams, hot-swapping "
        + "approved releases from the control topic.")
final class ScorerCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--checkpoint", required = true,
            description = "Model served until the control topic names a release (and when it names none).")
    Path checkpoint;

    @Option(names = "--model-name", defaultValue = "default", description = "Model name (control-topic key).")
    String modelName;

    @Option(names = "--control-topic", defaultValue = "model-releases", description = "Control topic.")
    String controlTopic;

    @Option(names = "--no-follow", description = "Serve --checkpoint only; ignore the control topic.")
    boolean noFollow;

    @Option(names = "--store", defaultValue = "runs/models", description = "Checkpoint store the releases name.")
    Path store;

    @Option(names = "--public-key", description = "Require releases signed by the matching Ed25519 key (PEM).")
    Path publicKey;

    @Option(names = "--application-id", defaultValue = "flowguard-scorer", description = "Kafka Streams id.")
    String applicationId;

    @Option(names = "--state-dir", description = "Kafka Streams state (default: a temporary directory).")
    Path stateDir;

    @Option(names = "--metrics-host", defaultValue = "127.0.0.1", description = "Address /metrics binds to "
            + "(0.0.0.0 in a container, so that Prometheus can reach it).")
    String metricsHost;

    @Option(names = "--metrics-port", defaultValue = "9464", description = "/metrics port (0: a free one).")
    int metricsPort;

    @Mixin
    StreamingEngineOptions engine;

    @Override
    public Integer call() throws Exception {
        Devices.setIntraOpThreads(engine.scorerThreads);
        StreamConfig config = StreamConfig.defaults(bootstrapServers).withApplicationId(applicationId);
        Path state = stateDir != null ? stateDir : Files.createTempDirectory("flowguard-scorer-state");
        LoadedModel initial = Checkpoints.load(checkpoint, Devices.select("auto"));
        ScoringService.Releases releases = noFollow ? null : new ScoringService.Releases(controlTopic, modelName,
                new ReleaseLoader(new LocalCheckpointStore(store),
                        publicKey == null ? null : ReleaseVerifier.load(publicKey), Devices.select("auto")), true);
        CountDownLatch stopped = new CountDownLatch(1);
        ScoringService service = releases == null ? new ScoringService(config, initial.scorer(), state)
                : new ScoringService(config, initial, state, releases);
        try (HTTPServer server = service.metrics().serve(metricsHost, metricsPort)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                service.close();
                stopped.countDown();
            }, "flowguard-scorer-shutdown"));
            service.start();
            System.out.printf("scoring %s with model %s (%s); metrics on http://%s:%d/metrics%n",
                    config.eventsTopic(), service.servingVersion(), noFollow ? "fixed" : "following " + controlTopic,
                    metricsHost, server.getPort());
            System.out.flush();
            stopped.await();
        }
        return 0;
    }
}
