package io.flowguard.model.checkpoint;

import io.flowguard.model.FlowGuardException;

/**
 * A checkpoint that cannot be written, or that is corrupt, truncated or incompatible with this build. Not final only
 * so that {@link ReleaseRefusedException} is one: whoever handles a bad checkpoint handles a refused release too.
 */
public class CheckpointException extends FlowGuardException {

    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
