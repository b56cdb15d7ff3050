package io.flowguard.model.flow;

import io.flowguard.model.data.Matrix;

/**
 * Events drawn from a flow.
 *
 * @param events the samples, in the units of the raw features
 * @param logProb {@code log p(x)} of each sample computed along the sampling path (latent to data)
 */
public record Sample(Matrix events, float[] logProb) {}
