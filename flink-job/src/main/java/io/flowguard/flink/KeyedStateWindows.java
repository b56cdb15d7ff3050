package io.flowguard.flink;

import io.flowguard.model.score.TypicalityWindow;
import io.flowguard.stream.BatchScorer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.flink.api.common.state.ValueState;

/**
 * Per-key typicality windows in Flink keyed state ({@link TypicalityWindow#toBytes} under the partitioning key):
 * each key's window is read once per batch, and written back only when the batch scored, so a failed batch leaves
 * the state as it was. A batch spans keys, so every access first points the keyed-state backend at the key.
 */
final class KeyedStateWindows implements PendingBatch.KeyedWindows {

    private final ValueState<byte[]> state;
    private final Consumer<Object> setCurrentKey;
    private final Map<String, TypicalityWindow> batch = new HashMap<>();

    /**
     * @param state the operator's keyed value state of window bytes
     * @param setCurrentKey switches the operator's keyed-state context to a key
     */
    KeyedStateWindows(ValueState<byte[]> state, Consumer<Object> setCurrentKey) {
        this.state = state;
        this.setCurrentKey = setCurrentKey;
    }

    @Override
    public BatchScorer.Windows forBatch(Map<String, String> partitionKey) {
        return new BatchScorer.Windows() {
            @Override
            public TypicalityWindow get(String key, int size, String modelVersion) {
                String k = partitionKey.getOrDefault(key, key);
                TypicalityWindow w = batch.get(k);
                if (w == null || w.size() != size) {
                    setCurrentKey.accept(k);
                    try {
                        w = TypicalityWindow.fromBytes(state.value(), size, modelVersion);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    batch.put(k, w);
                }
                return w;
            }

            @Override
            public void put(String key, TypicalityWindow window) {
                // the window object is the batch's own; commit() writes it
            }
        };
    }

    @Override
    public void commit() {
        try {
            for (Map.Entry<String, TypicalityWindow> e : batch.entrySet()) {
                setCurrentKey.accept(e.getKey());
                state.update(e.getValue().toBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            batch.clear();
        }
    }

    @Override
    public void discard() {
        batch.clear();
    }
}
