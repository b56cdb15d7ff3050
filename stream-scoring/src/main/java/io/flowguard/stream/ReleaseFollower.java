package io.flowguard.stream;

import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.checkpoint.ReleaseLoader;
import io.flowguard.model.checkpoint.ReleaseRef;
import io.flowguard.model.checkpoint.ReleaseRefusedException;
import io.flowguard.model.score.Scorer;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.WireCodec;
import io.flowguard.schemas.WireException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted {@code ModelRelease} control topic for one model and hot-swaps approved releases into a
 * {@link ModelSlot}. Only the serving pointer (key = the bare model name, status APPROVED) is acted on. Loading and
 * verification ({@link ReleaseLoader}: SHA-256 of the whole file, signature when required, finite parameters,
 * feature names, kind) and a warm-up batch run on this thread, off the stream thread; the stream thread only
 * picks up the new model at its next batch. A refused release is counted
 * ({@code flowguard_model_swaps_total{outcome="refused_<reason>"}}) and logged, and the old model keeps serving.
 * Engine-neutral apart from the consumer: the Flink job feeds the same {@link #apply} from a broadcast stream.
 */
public final class ReleaseFollower implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ReleaseFollower.class);
    private static final WireCodec<ModelRelease> CODEC = WireCodec.of(ModelRelease.class);

    private final String bootstrapServers;
    private final String topic;
    private final String modelName;
    private final ReleaseLoader loader;
    private final List<String> features;
    private final Consumer<LoadedModel> swap;
    private final StreamMetrics metrics;
    private volatile String serving;
    private volatile boolean stopped;
    private Thread thread;

    /**
     * @param features feature names every release must have (the stream's), or null for any
     * @param swap installs a verified, warmed-up model (it then owns the model)
     * @param servingVersion the version serving now
     */
    public ReleaseFollower(String bootstrapServers, String topic, String modelName, ReleaseLoader loader,
            List<String> features, String servingVersion, Consumer<LoadedModel> swap, StreamMetrics metrics) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.modelName = modelName;
        this.loader = loader;
        this.features = features;
        this.serving = servingVersion;
        this.swap = swap;
        this.metrics = metrics;
    }

    /**
     * Reads the control topic to its end and serves the newest approved release, if there is one and it verifies:
     * on start a scorer serves what was released, not only the checkpoint it was given.
     *
     * @return true when a release was swapped in
     */
    public boolean catchUp(Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> parts = partitions(consumer);
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            ModelRelease latest = null;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!caughtUp(consumer, end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ModelRelease release = pointer(r);
                    latest = release != null ? release : latest;
                }
            }
            return latest != null && apply(latest);
        }
    }

    /** Follows new records on a daemon thread until {@link #close}. */
    public void start() {
        thread = new Thread(this::follow, "flowguard-release-follower");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            List<TopicPartition> parts = partitions(consumer);
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            while (!stopped) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    ModelRelease release = pointer(r);
                    if (release != null) {
                        apply(release);
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("release follower stopped: {}", e.toString(), e);
        }
    }

    /** The release a record points the model at, or null (another model, a history record, undecodable). */
    private ModelRelease pointer(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null || r.value() == null
                || !new String(r.key(), StandardCharsets.UTF_8).equals(modelName)) {
            return null;
        }
        try {
            ModelRelease release = CODEC.decode(r.value());
            return release.getStatus() == ReleaseStatus.APPROVED ? release : null;
        } catch (WireException e) {
            LOG.warn("control record at {}-{}@{} does not decode: {}", r.topic(), r.partition(), r.offset(),
                    e.getMessage());
            return null;
        }
    }

    /**
     * Loads, verifies and warms up {@code release}, then swaps it in. Engine-neutral: the Kafka follower and the
     * Flink broadcast function both call it.
     *
     * @return true when the release now serves (false: it already did, or it was refused)
     */
    public synchronized boolean apply(ModelRelease release) {
        if (release.getVersion().equals(serving)) {
            return false;
        }
        LoadedModel model;
        try {
            model = loader.load(ref(release), features);
        } catch (ReleaseRefusedException e) {
            metrics.swaps.labelValues("refused_" + e.reason().name().toLowerCase().replace("_", "")).inc();
            LOG.warn("release {} of model {} refused ({}): {}; {} keeps serving", release.getVersion(), modelName,
                    e.reason(), e.getMessage(), serving);
            return false;
        } catch (RuntimeException e) {
            metrics.swaps.labelValues("refused_corrupt").inc();
            LOG.warn("release {} of model {} refused: {}; {} keeps serving", release.getVersion(), modelName, e,
                    serving);
            return false;
        }
        try {
            warmUp(model.scorer());
        } catch (RuntimeException e) {
            model.close();
            metrics.swaps.labelValues("refused_corrupt").inc();
            LOG.warn("release {} of model {} refused: warm-up batch failed: {}", release.getVersion(), modelName, e);
            return false;
        }
        swap.accept(model);
        metrics.swaps.labelValues("swapped").inc();
        metrics.releaseTime.set(release.getCreatedAt().toEpochMilli() / 1e3);
        LOG.info("model {}: swapped {} -> {} ({}, trigger {})", modelName, serving, release.getVersion(),
                release.getModelKind(), release.getTrigger());
        serving = release.getVersion();
        return true;
    }

    /** One batch through the new model before it serves: native kernels and JIT paths are warm for the first batch. */
    private static void warmUp(Scorer scorer) {
        scorer.score(scorer.flow().sample(256, 7).events());
    }

    /** The engine-neutral claims of a release record, for {@link ReleaseLoader#load} (the Flink job uses it too). */
    public static ReleaseRef ref(ModelRelease r) {
        ByteBuffer sig = r.getSignature();
        byte[] signature = null;
        if (sig != null) {
            signature = new byte[sig.remaining()];
            sig.duplicate().get(signature);
        }
        return new ReleaseRef(r.getModelName(), r.getVersion(), r.getModelKind(), r.getCheckpointUri(),
                r.getSha256(), List.copyOf(r.getFeatureNames()), signature);
    }

    public String servingVersion() {
        return serving;
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer) {
        List<TopicPartition> parts = new ArrayList<>();
        List<PartitionInfo> info = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        if (info == null || info.isEmpty()) {
            throw new org.apache.kafka.common.errors.UnknownTopicOrPartitionException("expected control topic "
                    + topic + " to exist, got no partitions");
        }
        for (PartitionInfo i : info) {
            parts.add(new TopicPartition(topic, i.partition()));
        }
        return parts;
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        stopped = true;
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
