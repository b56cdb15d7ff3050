package io.flowguard.schemas;

/**
 * A record that cannot be read as the expected type. {@link #kind()} tells a caller whether the bytes were garbage
 * or well-formed but written with a schema this reader does not know; both go to the dead-letter topic, under
 * different reasons.
 */
public final class WireException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind { MALFORMED, UNKNOWN_SCHEMA }

    private final Kind kind;

    public WireException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
