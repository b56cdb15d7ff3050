/**
 * The Flink DataStream scoring job: Kafka source (read_committed) of Avro events, keyed by entity, micro-batched
 * per subtask and scored through stream-scoring's engine-neutral core ({@link io.flowguard.stream.BatchScorer},
 * {@link io.flowguard.stream.EventRows}, {@link io.flowguard.stream.ScoredOutcome}), with model releases arriving
 * on a broadcast stream and scores, alerts and dead letters written by exactly-once Kafka sinks. Its own module so
 * that Kafka Streams users do not pull Flink.
 */
package io.flowguard.flink;
