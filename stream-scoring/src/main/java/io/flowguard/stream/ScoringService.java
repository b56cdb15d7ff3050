package io.flowguard.stream;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.Scorer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams scorer: exactly-once v2, one model slot that can be swapped between batches, Prometheus
 * metrics. {@link #main} runs it as its own process (used by the crash test).
 */
public final class ScoringService implements AutoCloseable {

    private final AtomicReference<Scorer> model;
    private final StreamMetrics metrics;
    private final KafkaStreams streams;

    public ScoringService(StreamConfig config, Scorer initial, Path stateDir) {
        this.model = new AtomicReference<>(initial);
        this.metrics = new StreamMetrics();
        metrics.modelLoaded(initial.modelVersion(), initial.flow().spec().kind().name());
        BatchScorer scorer = new BatchScorer(model, AlertPolicy.defaults());
        this.streams = new KafkaStreams(ScoringTopology.build(config, scorer, metrics), properties(config, stateDir));
    }

    static Properties properties(StreamConfig config, Path stateDir) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 32L << 20);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "none");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_RECORDS_CONFIG), 5000);
        // Keep the next input in hand while a batch is scored: with Kafka Streams' default of 1,000 records per
        // partition the thread ran dry and sat in poll() for a fetch round trip about a quarter of the time.
        p.put(BUFFERED_RECORDS_PER_PARTITION, 10_000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), 4 << 20);
        return p;
    }

    /** Kafka Streams' (deprecated in 4.2, still in effect) per-partition input queue bound. */
    private static final String BUFFERED_RECORDS_PER_PARTITION = "buffered.records.per.partition";

    public void start() {
        streams.start();
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public StreamMetrics metrics() {
        return metrics;
    }

    /** Kafka Streams' own metrics (thread, task, producer and consumer clients), for diagnostics. */
    public Map<MetricName, ? extends Metric> streamsMetrics() {
        return streams.metrics();
    }

    /** Puts {@code next} in the slot; the next batch is scored with it. Returns the model it replaced. */
    public Scorer swap(Scorer next) {
        Scorer previous = model.getAndSet(next);
        metrics.modelLoaded(next.modelVersion(), next.flow().spec().kind().name());
        return previous;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
    }

    /**
     * {@code ScoringService BOOTSTRAP CHECKPOINT STATE_DIR [APPLICATION_ID [BATCH_SIZE MAX_LATENCY_MS]]}: scores
     * until the process is stopped (SIGTERM closes cleanly; SIGKILL is the crash the exactly-once test inflicts).
     */
    public static void main(String[] args) throws InterruptedException {
        StreamConfig config = StreamConfig.defaults(args[0]);
        if (args.length > 3) {
            config = config.withApplicationId(args[3]);
        }
        if (args.length > 5) {
            config = config.withBatching(Integer.parseInt(args[4]), Duration.ofMillis(Long.parseLong(args[5])));
        }
        LoadedModel loaded = Checkpoints.load(Path.of(args[1]), Devices.select("auto"));
        ScoringService service = new ScoringService(config, loaded.scorer(), Path.of(args[2]));
        Runtime.getRuntime().addShutdownHook(new Thread(service::close));
        service.start();
        System.out.println("scoring started");
        Thread.currentThread().join();
    }
}
