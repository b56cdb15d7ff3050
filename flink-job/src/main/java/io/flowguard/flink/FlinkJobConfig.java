package io.flowguard.flink;

import io.flowguard.model.FlowGuardException;
import java.io.Serializable;
import java.time.Duration;

/**
 * Settings of the Flink scoring job, validated when built (a failure names the {@code flowguard.flink.*} key).
 * Shipped to every task with the job graph, hence serialisable; paths are read on the TaskManagers, so in a
 * cluster they must name a shared file system.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param eventsTopic input: Avro {@code Event}, keyed by entity
 * @param scoresTopic output: Avro {@code ScoreResult}, one per scorable event
 * @param alertsTopic output: Avro {@code Alert}, one per flagged event
 * @param deadLettersTopic output: Avro {@code DeadLetter}, one per input that could not be scored
 * @param controlTopic the compacted {@code ModelRelease} topic (key = model name for the serving pointer)
 * @param modelName the model whose serving pointer is followed
 * @param checkpoint the model served until a release is read (a checkpoint file path)
 * @param store directory of the checkpoint store releases point into, or null to follow no releases
 * @param publicKey Ed25519 public key (PEM) that must have signed each release, or null for unsigned releases
 * @param groupId Kafka consumer group of the sources (offsets are committed there on checkpoints, for monitoring)
 * @param transactionalIdPrefix prefix of the sinks' transactional ids (one job per prefix on a cluster)
 * @param parallelism parallel scoring instances (and source readers)
 * @param batchSize events per scoring batch per instance (flush when reached), 1..65536
 * @param maxLatency longest an event waits for its batch (processing-time deadline), positive
 * @param checkpointInterval Flink checkpoint interval: the sinks' transactions commit on checkpoints, so this
 *     is the latency floor of read_committed consumers
 * @param device engine device: auto, cpu or gpu[:N]
 */
public record FlinkJobConfig(String bootstrapServers, String eventsTopic, String scoresTopic, String alertsTopic,
        String deadLettersTopic, String controlTopic, String modelName, String checkpoint, String store,
        String publicKey, String groupId, String transactionalIdPrefix, int parallelism, int batchSize,
        Duration maxLatency, Duration checkpointInterval, String device) implements Serializable {

    private static final long serialVersionUID = 1L;

    public FlinkJobConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "flowguard.flink.bootstrap-servers",
                "host:port", bootstrapServers);
        require(checkpoint != null && !checkpoint.isBlank(), "flowguard.flink.checkpoint", "a checkpoint file",
                checkpoint);
        require(modelName != null && !modelName.isBlank(), "flowguard.flink.model-name", "a non-empty name",
                modelName);
        require(groupId != null && !groupId.isBlank(), "flowguard.flink.group-id", "a non-empty id", groupId);
        require(transactionalIdPrefix != null && !transactionalIdPrefix.isBlank(),
                "flowguard.flink.transactional-id-prefix", "a non-empty prefix", transactionalIdPrefix);
        require(parallelism >= 1 && parallelism <= 1024, "flowguard.flink.parallelism", "1..1024", parallelism);
        require(batchSize >= 1 && batchSize <= 65536, "flowguard.flink.batch-size", "1..65536 events", batchSize);
        require(maxLatency != null && !maxLatency.isNegative() && !maxLatency.isZero(), "flowguard.flink.max-latency",
                "a positive duration", maxLatency);
        require(checkpointInterval != null && checkpointInterval.toMillis() >= 10,
                "flowguard.flink.checkpoint-interval", "at least 10 ms", checkpointInterval);
    }

    /**
     * The default topics (events, scores, alerts, dead-letters, model-releases), model name "default" (the
     * scorer's), 512-event batches or 10 ms (as the Kafka Streams scorer), checkpoints every second, parallelism 1, no releases followed.
     */
    public static FlinkJobConfig defaults(String bootstrapServers, String checkpoint) {
        return new FlinkJobConfig(bootstrapServers, "events", "scores", "alerts", "dead-letters", "model-releases",
                "default", checkpoint, null, null, "flowguard-flink", "flowguard-flink", 1, 512,
                Duration.ofMillis(10), Duration.ofSeconds(1), "auto");
    }

    public FlinkJobConfig withTopics(String events, String scores, String alerts, String deadLetters,
            String control) {
        return new FlinkJobConfig(bootstrapServers, events, scores, alerts, deadLetters, control, modelName,
                checkpoint, store, publicKey, groupId, transactionalIdPrefix, parallelism, batchSize, maxLatency,
                checkpointInterval, device);
    }

    /** Follows the serving pointer of {@code name} on the control topic, loading releases from {@code storeDir}. */
    public FlinkJobConfig withReleases(String name, String storeDir, String publicKeyPem) {
        return new FlinkJobConfig(bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                controlTopic, name, checkpoint, storeDir, publicKeyPem, groupId, transactionalIdPrefix, parallelism,
                batchSize, maxLatency, checkpointInterval, device);
    }

    public FlinkJobConfig withIds(String group, String transactionalPrefix) {
        return new FlinkJobConfig(bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                controlTopic, modelName, checkpoint, store, publicKey, group, transactionalPrefix, parallelism,
                batchSize, maxLatency, checkpointInterval, device);
    }

    public FlinkJobConfig withParallelism(int n) {
        return new FlinkJobConfig(bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                controlTopic, modelName, checkpoint, store, publicKey, groupId, transactionalIdPrefix, n, batchSize,
                maxLatency, checkpointInterval, device);
    }

    public FlinkJobConfig withBatching(int size, Duration latency, Duration checkpoints) {
        return new FlinkJobConfig(bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                controlTopic, modelName, checkpoint, store, publicKey, groupId, transactionalIdPrefix, parallelism,
                size, latency, checkpoints, device);
    }

    public FlinkJobConfig withDevice(String d) {
        return new FlinkJobConfig(bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                controlTopic, modelName, checkpoint, store, publicKey, groupId, transactionalIdPrefix, parallelism,
                batchSize, maxLatency, checkpointInterval, d);
    }

    /** True when the job follows model releases. */
    public boolean followsReleases() {
        return store != null;
    }

    private static void require(boolean ok, String key, String expected, Object got) {
        if (!ok) {
            throw new FlowGuardException(key + ": expected " + expected + ", got " + got);
        }
    }
}
