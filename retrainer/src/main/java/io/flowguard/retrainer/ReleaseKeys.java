package io.flowguard.retrainer;

/**
 * Keys on the compacted control topic. Compaction keeps the newest record per key, so one key per model would let a
 * rejected candidate published after an approval erase the approval. Hence two kinds of key: the bare model name
 * holds the serving pointer (always an APPROVED release: a promotion or a rollback republishes it), and
 * {@code MODEL/VERSION} holds each version's own latest status (CANDIDATE, APPROVED, REJECTED, RETIRED).
 */
public final class ReleaseKeys {

    private ReleaseKeys() {}

    /** The key of the serving pointer. */
    public static String pointer(String modelName) {
        return modelName;
    }

    /** The key of one version's history record. */
    public static String history(String modelName, String version) {
        return modelName + "/" + version;
    }

    /** True for the history key of a version of {@code modelName}. */
    public static boolean isHistory(String key, String modelName) {
        return key.startsWith(modelName + "/");
    }
}
