package io.flowguard.flink;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Flink scoring job: {@code KafkaSource} (read_committed) of Avro events → keyed by entity → the
 * {@link ScoringOperator} (micro-batches, flow scoring through the engine-neutral core, typicality windows in
 * keyed state), connected with the model-release control topic as a broadcast stream → three {@code KafkaSink}s
 * with {@link DeliveryGuarantee#EXACTLY_ONCE} for scores, alerts and dead letters. Exactly once end to end: the
 * sources' offsets and the operator's state are in each checkpoint, the sinks' transactions commit when it
 * completes, and the operator flushes its batch before each barrier.
 *
 * <p>{@link #main} is the entry point of a job jar submitted with {@code flink run}; {@code flowguard flink} runs
 * the same job on a local MiniCluster.
 */
public final class FlinkScoringJob {

    /**
     * Producer {@code transaction.timeout.ms} of the sinks: 10 minutes. The sink's default (1 hour) is over a
     * broker's default {@code transaction.max.timeout.ms} (15 minutes), which makes the broker refuse the producer
     * ({@code InvalidTxnTimeoutException}) on the first transaction. It has to outlast the longest time from a
     * checkpoint's start to its completion plus a restart (a transaction is committed only then), so it stays as
     * close to the broker's cap as a margin allows.
     */
    static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

    private FlinkScoringJob() {}

    /** Adds the job to {@code env}. */
    public static void build(StreamExecutionEnvironment env, FlinkJobConfig config) {
        build(env, config, UnaryOperator.identity());
    }

    /**
     * Adds the job to {@code env}, with {@code beforeScoring} applied to the raw event stream ahead of the key-by
     * (tests inject a failure there).
     */
    public static void build(StreamExecutionEnvironment env, FlinkJobConfig config,
            UnaryOperator<DataStream<KafkaRecord>> beforeScoring) {
        env.setParallelism(config.parallelism());
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        KafkaSource<KafkaRecord> events = KafkaSource.<KafkaRecord>builder()
                .setBootstrapServers(config.bootstrapServers()).setTopics(config.eventsTopic())
                .setGroupId(config.groupId()).setStartingOffsets(startingOffsets())
                .setDeserializer(KafkaRecord.deserializer())
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                .setClientIdPrefix(config.groupId() + "-events").build();
        DataStream<KafkaRecord> input = beforeScoring.apply(env.fromSource(events, WatermarkStrategy.noWatermarks(),
                "events").uid("events-source"));
        DataStream<KafkaRecord> control;
        if (config.followsReleases()) {
            KafkaSource<KafkaRecord> releases = KafkaSource.<KafkaRecord>builder()
                    .setBootstrapServers(config.bootstrapServers()).setTopics(config.controlTopic())
                    .setGroupId(config.groupId() + "-releases").setStartingOffsets(OffsetsInitializer.earliest())
                    .setDeserializer(KafkaRecord.deserializer())
                    .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                    .setClientIdPrefix(config.groupId() + "-releases").build();
            // one reader: the control topic is small, and one reader keeps the broadcast in topic order
            control = env.fromSource(releases, WatermarkStrategy.noWatermarks(), "model-releases")
                    .uid("releases-source").setParallelism(1);
        } else {
            // no control topic: one empty record the operator ignores (an empty fromData fails in Flink 2.2.1)
            control = env.fromData(List.of(new KafkaRecord()), Types.POJO(KafkaRecord.class)).uid("no-releases");
        }
        SingleOutputStreamOperator<KeyedBytes> scores = input.keyBy(r -> r.key, Types.STRING)
                .connect(control.broadcast())
                .transform("score", Types.POJO(KeyedBytes.class), new ScoringOperator(config)).uid("score");
        scores.sinkTo(sink(config, config.scoresTopic(), "scores")).uid("scores-sink").name("scores");
        scores.getSideOutput(ScoringOperator.ALERTS).sinkTo(sink(config, config.alertsTopic(), "alerts"))
                .uid("alerts-sink").name("alerts");
        scores.getSideOutput(ScoringOperator.DEAD_LETTERS)
                .sinkTo(sink(config, config.deadLettersTopic(), "dead-letters")).uid("dead-letters-sink")
                .name("dead-letters");
    }

    /**
     * From a restored checkpoint the source resumes at its checkpointed offsets; a fresh job starts at the group's
     * committed offsets (committed on each completed checkpoint), else at the earliest: a resubmitted job carries on.
     */
    @SuppressWarnings("deprecation") // the connector's API still takes Kafka's deprecated OffsetResetStrategy
    private static OffsetsInitializer startingOffsets() {
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    }

    private static KafkaSink<KeyedBytes> sink(FlinkJobConfig config, String topic, String name) {
        Properties producer = new Properties();
        producer.setProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(TRANSACTION_TIMEOUT.toMillis()));
        producer.setProperty(ProducerConfig.LINGER_MS_CONFIG, "5");
        return KafkaSink.<KeyedBytes>builder().setBootstrapServers(config.bootstrapServers())
                .setRecordSerializer(KeyedBytes.serializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-" + name)
                .setKafkaProducerConfig(producer).build();
    }

    /** A restart strategy for local runs: a failed task restarts from the last checkpoint, up to 10 times. */
    public static Configuration localConfiguration() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        return c;
    }

    /** Builds and starts the job on {@code env}; the client cancels it. */
    public static JobClient start(StreamExecutionEnvironment env, FlinkJobConfig config) throws Exception {
        build(env, config);
        return env.executeAsync("flowguard scoring");
    }

    /**
     * {@code FlinkScoringJob --bootstrap-servers HOST:PORT --checkpoint MODEL [--store DIR --public-key PEM
     * --model-name NAME --parallelism N]}: the job jar's entry point for {@code flink run}.
     */
    public static void main(String[] args) throws Exception {
        String bootstrap = null;
        String checkpoint = null;
        String store = null;
        String key = null;
        String model = "default";
        int parallelism = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bootstrap-servers" -> bootstrap = args[i + 1];
                case "--checkpoint" -> checkpoint = args[i + 1];
                case "--store" -> store = args[i + 1];
                case "--public-key" -> key = args[i + 1];
                case "--model-name" -> model = args[i + 1];
                case "--parallelism" -> parallelism = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        FlinkJobConfig config = FlinkJobConfig.defaults(bootstrap, checkpoint).withParallelism(parallelism);
        if (store != null) {
            config = config.withReleases(model, store, key);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        build(env, config);
        env.execute("flowguard scoring");
    }
}
