package io.flowguard.model.score;

import java.util.HashMap;
import java.util.Map;

/** One {@link TypicalityWindow} per key, in memory (batch scoring of files; streams keep theirs in state stores). */
public final class TypicalityWindows {

    private final Map<String, TypicalityWindow> byKey = new HashMap<>();
    private final int size;

    public TypicalityWindows(int size) {
        this.size = size;
    }

    /** The window of {@code key}, created empty on first use. */
    public TypicalityWindow of(String key, String modelVersion) {
        return byKey.computeIfAbsent(key, k -> new TypicalityWindow(size, modelVersion));
    }

    public int keys() {
        return byKey.size();
    }
}
