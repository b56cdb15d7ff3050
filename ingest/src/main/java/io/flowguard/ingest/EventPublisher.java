package io.flowguard.ingest;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes events to a topic as Avro single-object records keyed by entity, with an idempotent producer
 * ({@code acks=all}), an optional rate limit and counters for a progress line. A send that fails is remembered
 * and rethrown by {@link #close()} so that an ingest never reports success after losing records.
 */
public final class EventPublisher implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final long periodNanos;
    private final WireCodec<Event> codec = WireCodec.of(Event.class);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private long sent;
    private long start;

    /** @param eventsPerSecond pace of {@link #publish}; 0 for as fast as the broker takes them */
    public EventPublisher(String bootstrapServers, String topic, double eventsPerSecond) {
        this(bootstrapServers, topic, eventsPerSecond, "lz4");
    }

    /**
     * @param compression the producer's {@code compression.type} ({@code lz4} by default: less network for a few
     *     percent of CPU; {@code none} where producer and broker share the cores, as in the stream benchmark)
     */
    public EventPublisher(String bootstrapServers, String topic, double eventsPerSecond, String compression) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.periodNanos = eventsPerSecond > 0 ? (long) (1e9 / eventsPerSecond) : 0;
    }

    public void publish(Event event) {
        publishRaw(event.getKey(), codec.encode(event));
    }

    /** Sends bytes as they are (the demo uses it to mix in malformed records). */
    public void publishRaw(String key, byte[] value) {
        publishRaw(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Sends a key and a value as they are. */
    public void publishRaw(byte[] key, byte[] value) {
        if (failure.get() != null) {
            throw new IllegalStateException("an earlier send to " + topic + " failed", failure.get());
        }
        if (sent == 0) {
            start = System.nanoTime();
        }
        if (periodNanos > 0) {
            long wait = start + sent * periodNanos - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
        sent++;
        producer.send(new ProducerRecord<>(topic, key, value),
                (metadata, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        acknowledged.incrementAndGet();
                    }
                });
    }

    /** Blocks until every record sent so far is acknowledged or failed. */
    public void flush() {
        producer.flush();
    }

    public long sent() {
        return sent;
    }

    /** Records the broker has acknowledged. */
    public long acknowledged() {
        return acknowledged.get();
    }

    @Override
    public void close() {
        producer.flush();
        producer.close();
        if (failure.get() != null) {
            throw new IllegalStateException("sending to " + topic + " failed: " + failure.get().getMessage(),
                    failure.get());
        }
    }
}
