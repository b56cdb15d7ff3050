package io.flowguard.stream;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * events -> [score: decode, micro-batch, flow, verdict] -> scores, alerts, dead-letters. Two change-logged state
 * stores: the events waiting in the current batch, and the per-key typicality windows. Values are Avro
 * single-object bytes; the processor decodes them itself so that undecodable input becomes a dead letter
 * instead of a deserialisation failure.
 */
public final class ScoringTopology {

    private ScoringTopology() {}

    public static Topology build(StreamConfig config, BatchScorer scorer, StreamMetrics metrics) {
        Topology topology = new Topology();
        topology.addSource("events", new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.eventsTopic());
        topology.addProcessor("score", () -> new ScoringProcessor(scorer, metrics, config.batchSize(),
                config.maxLatency(), config.lightLoadCommit()), "events");
        topology.addStateStore(PendingEventsStore.builder(ScoringProcessor.STORE), "score");
        // No record cache on the windows: the processor keeps the decoded windows itself and writes each changed one
        // once per batch, so the cache's sorted map and flush only repeated that work (a profile of bench swap put
        // them at about a tenth of the stream thread).
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ScoringProcessor.WINDOWS),
                Serdes.String(), Serdes.ByteArray()).withCachingDisabled(), "score");
        topology.addSink(ScoringProcessor.SCORES, config.scoresTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), "score");
        topology.addSink(ScoringProcessor.ALERTS, config.alertsTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), "score");
        topology.addSink(ScoringProcessor.DEAD_LETTERS, config.deadLettersTopic(), new ByteArraySerializer(),
                new ByteArraySerializer(), "score");
        return topology;
    }
}
