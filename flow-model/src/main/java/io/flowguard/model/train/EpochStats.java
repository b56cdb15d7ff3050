package io.flowguard.model.train;

/**
 * Progress after one epoch.
 *
 * @param epoch 1-based epoch number
 * @param maxEpochs the configured upper bound
 * @param trainNll mean negative log-likelihood per event on the epoch's batches, nats; with discrete features the
 *     negated dequantisation bound {@code -E_u[log p(x + u)] - sum_j log q_j} (one noise draw per event), an upper
 *     bound on {@code -log P} of the lattice cell
 * @param validationNll mean NLL on the held-out rows in inference mode, nats: the mean of what the Scorer reports as
 *     {@code -log-likelihood} ({@link io.flowguard.model.flow.LatticeLikelihood})
 * @param learningRate rate at the end of the epoch
 * @param eventsPerSecond training throughput of the epoch
 * @param elapsedSeconds since training started
 * @param improved whether validation NLL improved by at least the configured minimum
 */
public record EpochStats(int epoch, int maxEpochs, double trainNll, double validationNll, double learningRate,
        double eventsPerSecond, double elapsedSeconds, boolean improved) {}
