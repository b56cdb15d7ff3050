package io.flowguard.stream;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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

    /**
     * Following model releases: the control topic, the model name (its key there), the verifying loader, and whether
     * a release must have the serving model's feature names.
     */
    public record Releases(String controlTopic, String modelName, ReleaseLoader loader, boolean sameFeatures) {}

    private final ModelSlot model;
    private final StreamMetrics metrics;
    private final KafkaStreams streams;
    private final AlertPolicy policy;
    private final ReleaseFollower follower;

    /** Serves {@code initial} (owned by the caller) until {@link #swap}ped; follows no control topic. */
    public ScoringService(StreamConfig config, Scorer initial, Path stateDir) {
        this(config, initial, null, stateDir, null, AlertPolicy.defaults());
    }

    /**
     * Serves the newest approved release of {@code releases} (read before the stream starts), else {@code initial};
     * then swaps in every approved release as it is published. The service owns {@code initial} and every model it
     * loads, and frees each once no batch uses it.
     */
    public ScoringService(StreamConfig config, LoadedModel initial, Path stateDir, Releases releases) {
        this(config, initial, stateDir, releases, AlertPolicy.defaults());
    }

    /** As above, deciding with {@code policy} (the target false-alarm rate and rule). */
    public ScoringService(StreamConfig config, LoadedModel initial, Path stateDir, Releases releases,
            AlertPolicy policy) {
        this(config, initial.scorer(), initial, stateDir, releases, policy);
    }

    private ScoringService(StreamConfig config, Scorer initial, AutoCloseable owner, Path stateDir,
            Releases releases, AlertPolicy policy) {
        this.policy = policy;
        this.model = new ModelSlot(initial, owner);
        this.metrics = new StreamMetrics();
        metrics.falseAlarmRate.set(policy.falseAlarmRate());
        serving(initial);
        BatchScorer scorer = new BatchScorer(model, policy);
        this.streams = new KafkaStreams(ScoringTopology.build(config, scorer, metrics), properties(config, stateDir));
        metrics.consumerLag(() -> lag(config.eventsTopic()));
        if (releases == null) {
            follower = null;
        } else {
            follower = new ReleaseFollower(config.bootstrapServers(), releases.controlTopic(), releases.modelName(),
                    releases.loader(), releases.sameFeatures() ? List.of(initial.flow().schema().names()) : null,
                    initial.modelVersion(), m -> swap(m.scorer(), m), metrics);
            follower.catchUp(Duration.ofSeconds(30));
        }
    }

    /** Metrics that describe the serving model. */
    private void serving(Scorer s) {
        metrics.modelLoaded(s.modelVersion(), s.flow().spec().kind().name());
        metrics.swapTime.set(System.currentTimeMillis() / 1e3);
        if (s.calibration() != null) {
            Thresholds t = policy.thresholds(s.calibration(), s.features());
            metrics.thresholds.labelValues("low").set(t.lowLogLikelihood());
            metrics.thresholds.labelValues("high").set(t.highLogLikelihood());
        }
    }

    /** Records behind on {@code topic}, from the stream's consumer metrics (0 before the first fetch). */
    private double lag(String topic) {
        double sum = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName n = e.getKey();
            if (n.name().equals("records-lag") && topic.equals(n.tags().get("topic"))
                    && e.getValue().metricValue() instanceof Double v && Double.isFinite(v)) {
                sum += v;
            }
        }
        return sum;
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
        if (follower != null) {
            follower.start();
        }
    }

    /** The version serving now. */
    public String servingVersion() {
        return model.current().modelVersion();
    }

    /** Models not yet freed (the serving one and any still leased by a running batch). */
    public int liveModels() {
        return model.liveModels();
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

    /** Puts {@code next} (owned by the caller) in the slot; the next batch is scored with it. */
    public Scorer swap(Scorer next) {
        return swap(next, null);
    }

    /**
     * Puts {@code next} in the slot; the next batch is scored with it. {@code owner} (or null) is closed once no
     * batch uses the model any more. Returns the model it replaced.
     */
    public Scorer swap(Scorer next, AutoCloseable owner) {
        Scorer previous = model.swap(next, owner);
        serving(next);
        return previous;
    }

    @Override
    public void close() {
        if (follower != null) {
            follower.close();
        }
        streams.close(Duration.ofSeconds(30));
        model.close();
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
