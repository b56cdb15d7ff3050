package io.flowguard.model.train;

/** Receives progress from a {@link Trainer} (the CLI prints it; tests collect it). */
@FunctionalInterface
public interface TrainingListener {

    void onEpoch(EpochStats stats);

    /** A listener that ignores everything. */
    static TrainingListener silent() {
        return stats -> { };
    }
}
