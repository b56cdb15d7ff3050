package io.flowguard.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A benchmark's view of the scores topic on its own thread: with read_committed, which bench events were scored
 * and how many twice (by the event number in the id, see {@link BenchEvents}); with read_uncommitted, the gaps
 * between score arrivals (when the scorer wrote them, before the commit), to see a pause in scoring.
 */
final class ScoreWatch implements AutoCloseable {

    /** A gap in the arrivals: it ended at {@code endNanos} and lasted {@code nanos}. */
    record Gap(long endNanos, long nanos) {}

    private final Thread thread;
    private final AtomicBoolean done = new AtomicBoolean();
    private final BitSet seen = new BitSet();
    private final List<Gap> gaps = new ArrayList<>();
    private long distinct;
    private long duplicates;

    ScoreWatch(String bootstrap, String topic, String isolation, long minGapNanos) {
        thread = new Thread(() -> {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                        .map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                long last = 0;
                while (!done.get()) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(20));
                    if (records.isEmpty()) {
                        continue;
                    }
                    long now = System.nanoTime();
                    synchronized (this) {
                        if (last != 0 && now - last >= minGapNanos) {
                            gaps.add(new Gap(now, now - last));
                        }
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            int n = BenchEvents.eventNumber(r.value());
                            if (n >= 0) {
                                if (seen.get(n)) {
                                    duplicates++;
                                } else {
                                    seen.set(n);
                                    distinct++;
                                }
                            }
                        }
                    }
                    last = now;
                }
            }
        }, "flowguard-bench-watch-" + isolation);
        thread.setDaemon(true);
        thread.start();
    }

    synchronized long distinct() {
        return distinct;
    }

    synchronized long duplicates() {
        return duplicates;
    }

    /** Events numbered below {@code sent} that never arrived. */
    synchronized long missingBelow(int sent) {
        return sent - seen.get(0, sent).cardinality();
    }

    /** The longest gap that ended in {@code [fromNanos, toNanos]}, in ms (0 when none was recorded). */
    synchronized double longestGapMs(long fromNanos, long toNanos) {
        long worst = 0;
        for (Gap g : gaps) {
            if (g.endNanos() >= fromNanos && g.endNanos() <= toNanos) {
                worst = Math.max(worst, g.nanos());
            }
        }
        return worst / 1e6;
    }

    /** The longest gap that ended after {@code fromNanos} outside every window {@code [s - before, s + after]}. */
    synchronized double longestGapOutsideMs(long fromNanos, List<Long> swaps, long before, long after) {
        long worst = 0;
        outer:
        for (Gap g : gaps) {
            if (g.endNanos() < fromNanos) {
                continue;
            }
            for (long s : swaps) {
                if (g.endNanos() >= s - before && g.endNanos() <= s + after) {
                    continue outer;
                }
            }
            worst = Math.max(worst, g.nanos());
        }
        return worst / 1e6;
    }

    @Override
    public void close() {
        done.set(true);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
