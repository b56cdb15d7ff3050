package io.flowguard.model.checkpoint;

import io.flowguard.model.flow.Flow;
import io.flowguard.model.score.Scorer;

/**
 * A checkpoint loaded onto a device. It owns the native memory of its parameters: {@link #close} frees it (after the
 * last batch using it has finished).
 *
 * @param flow the rebuilt flow with its parameters
 * @param manifest the checkpoint's manifest
 * @param sha256 lower-case hex SHA-256 of the whole checkpoint file it was loaded from
 */
public record LoadedModel(Flow flow, Manifest manifest, String sha256) implements AutoCloseable {

    public LoadedModel {
        CheckpointIdentity.requireSha256(sha256);
    }

    /** The model version: the first 16 hex digits of the whole file's SHA-256 ({@link CheckpointIdentity}). */
    public String version() {
        return CheckpointIdentity.version(sha256);
    }

    /** A scorer bound to this model version. */
    public Scorer scorer() {
        return new Scorer(flow, manifest.calibration(), version());
    }

    @Override
    public void close() {
        flow.manager().close();
    }
}
