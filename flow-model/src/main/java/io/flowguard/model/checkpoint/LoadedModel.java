package io.flowguard.model.checkpoint;

import io.flowguard.model.flow.Flow;
import io.flowguard.model.score.Scorer;

/**
 * A checkpoint loaded onto a device. It owns the native memory of its parameters: {@link #close} frees it (after the
 * last batch using it has finished).
 */
public record LoadedModel(Flow flow, Manifest manifest) implements AutoCloseable {

    /** A scorer bound to this model version. */
    public Scorer scorer() {
        return new Scorer(flow, manifest.calibration(), manifest.version());
    }

    @Override
    public void close() {
        flow.manager().close();
    }
}
