package io.flowguard.stream;

import io.flowguard.model.FlowGuardException;
import java.time.Duration;

/**
 * Settings of the Kafka Streams scorer.
 *
 * @param applicationId Kafka Streams application id (consumer group, transactional id prefix)
 * @param bootstrapServers Kafka bootstrap servers
 * @param eventsTopic input: Avro {@code Event}, keyed by entity
 * @param scoresTopic output: Avro {@code ScoreResult}, one per scorable event
 * @param alertsTopic output: Avro {@code Alert}, one per flagged event
 * @param deadLettersTopic output: Avro {@code DeadLetter}, one per input that could not be scored
 * @param batchSize events per scoring batch (flush when reached)
 * @param maxLatency longest an event waits for its batch (flush on wall-clock punctuation)
 * @param commitInterval Kafka Streams commit interval (transaction length under exactly-once)
 * @param threads stream threads
 */
public record StreamConfig(String applicationId, String bootstrapServers, String eventsTopic, String scoresTopic,
        String alertsTopic, String deadLettersTopic, int batchSize, Duration maxLatency, Duration commitInterval,
        int threads) {

    public StreamConfig {
        require(!applicationId.isBlank(), "flowguard.stream.application-id", "a non-empty id", applicationId);
        require(!bootstrapServers.isBlank(), "flowguard.stream.bootstrap-servers", "host:port", bootstrapServers);
        require(batchSize >= 1 && batchSize <= 65536, "flowguard.stream.batch-size", "1..65536 events", batchSize);
        require(!maxLatency.isNegative() && !maxLatency.isZero(), "flowguard.stream.max-latency",
                "a positive duration", maxLatency);
        require(!commitInterval.isNegative(), "flowguard.stream.commit-interval", "a duration >= 0", commitInterval);
        require(threads >= 1, "flowguard.stream.threads", ">= 1", threads);
    }

    /** 512-event batches or 20 ms, 100 ms transactions, one thread, the default topic names. */
    public static StreamConfig defaults(String bootstrapServers) {
        return new StreamConfig("flowguard-scorer", bootstrapServers, "events", "scores", "alerts", "dead-letters",
                512, Duration.ofMillis(20), Duration.ofMillis(100), 1);
    }

    public StreamConfig withApplicationId(String id) {
        return new StreamConfig(id, bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                batchSize, maxLatency, commitInterval, threads);
    }

    public StreamConfig withBatching(int size, Duration latency) {
        return new StreamConfig(applicationId, bootstrapServers, eventsTopic, scoresTopic, alertsTopic,
                deadLettersTopic, size, latency, commitInterval, threads);
    }

    private static void require(boolean ok, String key, String expected, Object got) {
        if (!ok) {
            throw new FlowGuardException(key + ": expected " + expected + ", got " + got);
        }
    }
}
