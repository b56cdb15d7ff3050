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
 * @param lightLoadCommit when a batch leaves on its deadline less than half full (light load), ask Kafka Streams
 *     to commit now instead of at the end of the commit interval, at most once per this duration: under
 *     exactly-once a score is visible only after its transaction commits, so at light load this bounds the
 *     latency without paying for short transactions at full load; zero: commit at the interval only
 */
public record StreamConfig(String applicationId, String bootstrapServers, String eventsTopic, String scoresTopic,
        String alertsTopic, String deadLettersTopic, int batchSize, Duration maxLatency, Duration commitInterval,
        int threads, Duration lightLoadCommit) {

    public StreamConfig {
        require(!applicationId.isBlank(), "flowguard.stream.application-id", "a non-empty id", applicationId);
        require(!bootstrapServers.isBlank(), "flowguard.stream.bootstrap-servers", "host:port", bootstrapServers);
        require(batchSize >= 1 && batchSize <= 65536, "flowguard.stream.batch-size", "1..65536 events", batchSize);
        require(!maxLatency.isNegative() && !maxLatency.isZero(), "flowguard.stream.max-latency",
                "a positive duration", maxLatency);
        require(!commitInterval.isNegative(), "flowguard.stream.commit-interval", "a duration >= 0", commitInterval);
        require(threads >= 1, "flowguard.stream.threads", ">= 1", threads);
        require(!lightLoadCommit.isNegative(), "flowguard.stream.light-load-commit", "a duration >= 0",
                lightLoadCommit);
    }

    /**
     * 512-event batches or 10 ms, 100 ms transactions (25 ms under light load), one thread, the default topic
     * names.
     */
    public static StreamConfig defaults(String bootstrapServers) {
        return new StreamConfig("flowguard-scorer", bootstrapServers, "events", "scores", "alerts", "dead-letters",
                512, Duration.ofMillis(10), Duration.ofMillis(100), 1, Duration.ofMillis(25));
    }

    public StreamConfig withApplicationId(String id) {
        return new StreamConfig(id, bootstrapServers, eventsTopic, scoresTopic, alertsTopic, deadLettersTopic,
                batchSize, maxLatency, commitInterval, threads, lightLoadCommit);
    }

    public StreamConfig withBatching(int size, Duration latency) {
        return new StreamConfig(applicationId, bootstrapServers, eventsTopic, scoresTopic, alertsTopic,
                deadLettersTopic, size, latency, commitInterval, threads, lightLoadCommit);
    }

    public StreamConfig withLightLoadCommit(Duration spacing) {
        return new StreamConfig(applicationId, bootstrapServers, eventsTopic, scoresTopic, alertsTopic,
                deadLettersTopic, batchSize, maxLatency, commitInterval, threads, spacing);
    }

    private static void require(boolean ok, String key, String expected, Object got) {
        if (!ok) {
            throw new FlowGuardException(key + ": expected " + expected + ", got " + got);
        }
    }
}
