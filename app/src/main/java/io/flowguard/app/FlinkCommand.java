package io.flowguard.app;

import io.flowguard.flink.FlinkJobConfig;
import io.flowguard.flink.FlinkScoringJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flowguard flink}: the Flink scoring job on a local MiniCluster in this JVM (one task slot per parallel
 * instance). For a cluster, submit the job jar with {@code flink run} instead (README, Streaming on Flink).
 */
@Command(name = "flink", description = "Score the events topic with the Flink job (exactly-once Kafka sinks, releases "
        + "as broadcast state) on a local MiniCluster.")
final class FlinkCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--checkpoint", required = true,
            description = "Model served until the control topic names a release (and when it names none).")
    Path checkpoint;

    @Option(names = "--parallelism", defaultValue = "1", description = "Parallel scoring instances (task slots).")
    int parallelism;

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

    @Option(names = "--checkpoint-interval-ms", defaultValue = "1000",
            description = "Flink checkpoint interval in ms (scores become visible to read_committed readers then).")
    long checkpointIntervalMs;

    @Option(names = "--group-id", defaultValue = "flowguard-flink",
            description = "Consumer group and transactional id prefix of the job.")
    String groupId;

    @Override
    public Integer call() throws Exception {
        FlinkJobConfig defaults = FlinkJobConfig.defaults(bootstrapServers, checkpoint.toAbsolutePath().toString());
        FlinkJobConfig config = defaults.withTopics(defaults.eventsTopic(), defaults.scoresTopic(),
                defaults.alertsTopic(), defaults.deadLettersTopic(), controlTopic)
                .withIds(groupId, groupId).withParallelism(parallelism)
                .withBatching(defaults.batchSize(), defaults.maxLatency(), Duration.ofMillis(checkpointIntervalMs));
        config = noFollow ? config.withReleases(modelName, null, null) : config.withReleases(modelName,
                store.toAbsolutePath().toString(), publicKey == null ? null : publicKey.toAbsolutePath().toString());
        Configuration flink = FlinkScoringJob.localConfiguration();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, flink);
        JobClient job = FlinkScoringJob.start(env, config);
        System.out.printf("flink job %s scoring %s with parallelism %d (%s)%n", job.getJobID(), config.eventsTopic(),
                parallelism, noFollow ? "fixed model" : "following " + controlTopic);
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> job.cancel(), "flowguard-flink-shutdown"));
        job.getJobExecutionResult().get();
        return 0;
    }
}
