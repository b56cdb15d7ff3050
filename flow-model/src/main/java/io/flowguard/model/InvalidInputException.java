package io.flowguard.model;

/** Input data the model cannot score or train on: wrong width, NaN/Inf, empty input. */
public final class InvalidInputException extends FlowGuardException {

    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }
}
