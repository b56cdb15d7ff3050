package io.flowguard.model.train;

/**
 * Progress after one epoch.
 *
 * @param epoch 1-based epoch number
 * @param maxEpochs the configured upper bound
 * @param trainNll mean negative log-likelihood per event on the epoch's batches, nats
 * @param validationNll mean NLL on the held-out rows in inference mode, nats
 * @param learningRate rate at the end of the epoch
 * @param eventsPerSecond training throughput of the epoch
 * @param elapsedSeconds since training started
 * @param improved whether validation NLL improved by at least the configured minimum
 */
public record EpochStats(int epoch, int maxEpochs, double trainNll, double validationNll, double learningRate,
        double eventsPerSecond, double elapsedSeconds, boolean improved) {}
