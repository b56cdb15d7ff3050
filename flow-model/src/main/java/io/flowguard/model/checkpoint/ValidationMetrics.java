package io.flowguard.model.checkpoint;

/**
 * How the model did when it was fitted.
 *
 * @param validationNll mean held-out negative log-likelihood, nats per event
 * @param trainNll mean training NLL of the kept epoch, nats per event
 * @param bestEpoch epoch whose weights were kept
 * @param epochs epochs run
 * @param seconds training wall-clock time
 * @param stopReason early-stop, max-epochs or time-budget
 */
public record ValidationMetrics(double validationNll, double trainNll, int bestEpoch, int epochs, double seconds,
        String stopReason) {}
