package io.flowguard.model.checkpoint;

/**
 * A model release that {@link ReleaseLoader} will not load, with the {@link Reason} as data so that a scorer can
 * count refusals by reason (a metric label) and keep serving the model it has.
 */
public final class ReleaseRefusedException extends CheckpointException {

    private static final long serialVersionUID = 1L;

    /** Why a release was refused, in the order {@link ReleaseLoader} checks. */
    public enum Reason {
        /** The checkpoint could not be read at its uri. */
        MISSING,
        /** The bytes are not a readable checkpoint (truncated, bad magic, trailer or payload hash, shapes). */
        CORRUPT,
        /** The whole-file SHA-256 or the version differs from the release's. */
        CHECKSUM,
        /** Signatures are required and the release's is missing or does not verify. */
        SIGNATURE,
        /** The checkpoint's feature names differ from the release's or the scorer's. */
        FEATURES,
        /** The checkpoint's flow kind differs from the release's. */
        KIND,
        /** A parameter, preprocessing constant or calibration moment is NaN or infinite. */
        NON_FINITE
    }

    private final Reason reason;

    public ReleaseRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public ReleaseRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
