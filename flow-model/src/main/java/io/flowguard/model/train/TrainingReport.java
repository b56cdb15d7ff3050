package io.flowguard.model.train;

import java.util.List;

/**
 * Outcome of a training run; the flow holds the best weights (by validation NLL) when it is returned.
 *
 * @param history one entry per epoch run
 * @param bestEpoch 1-based epoch whose weights were kept
 * @param bestValidationNll validation NLL of those weights, nats per event
 * @param trainNllAtBest training NLL of the epoch that produced them
 * @param trainRows rows used for fitting
 * @param validationRows rows held out
 * @param seconds wall-clock time
 * @param eventsPerSecond mean training throughput
 * @param stopReason why training ended: "early-stop", "max-epochs" or "time-budget"
 * @param skippedSteps optimiser steps skipped because the loss was not finite
 */
public record TrainingReport(List<EpochStats> history, int bestEpoch, double bestValidationNll,
        double trainNllAtBest, int trainRows, int validationRows, double seconds, double eventsPerSecond,
        String stopReason, int skippedSteps) {

    public TrainingReport {
        history = List.copyOf(history);
    }
}
