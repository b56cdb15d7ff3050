package io.flowguard.ingest;

/** A user error in an input to ingest: the message names the file, the row and the column. */
public final class IngestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IngestException(String message) {
        super(message);
    }
}
