package io.flowguard.model;

/**
 * Root of every unchecked exception FlowGuard throws on purpose. Messages follow the pattern
 * "expected ..., got ..." and name the file, key, row or column involved, so that a CLI can print them as one line.
 */
public class FlowGuardException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FlowGuardException(String message) {
        super(message);
    }

    public FlowGuardException(String message, Throwable cause) {
        super(message, cause);
    }
}
