package io.flowguard.model.nn;

import io.flowguard.model.FlowGuardException;
import java.util.Arrays;

/**
 * Connectivity masks of MADE (Germain, Gregor, Murray and Larochelle, "MADE: Masked Autoencoder for Distribution
 * Estimation", ICML 2015).
 *
 * <p>Input {@code j} has degree {@code order[j]} (a permutation of {@code 1..d}); hidden units get degrees cycling
 * through {@code 1..d-1} (all {@code 0} when {@code d = 1}, which leaves them input-free). A hidden unit of degree
 * {@code m} sees inputs of degree {@code <= m}; an output for coordinate {@code i} sees hidden units of degree
 * {@code < order[i]}. Hence output {@code i} depends only on inputs {@code j} with {@code order[j] < order[i]}:
 * the autoregressive property. Outputs are parameter-major ({@code p * d + i}).
 */
public final class MadeMasks {

    private MadeMasks() {}

    /** Validates that {@code order} is a permutation of {@code 1..d} and returns a copy. */
    public static int[] checkOrder(int[] order) {
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] != i + 1) {
                throw new FlowGuardException("expected an ordering that is a permutation of 1.." + order.length
                        + ", got " + Arrays.toString(order));
            }
        }
        return order.clone();
    }

    /** Degrees of {@code units} hidden units for a {@code d}-dimensional input. */
    public static int[] hiddenDegrees(int units, int d) {
        int[] degrees = new int[units];
        for (int k = 0; k < units; k++) {
            degrees[k] = d > 1 ? (k % (d - 1)) + 1 : 0;
        }
        return degrees;
    }

    /** Mask {@code [out, in]} (row-major) for a hidden layer: unit k sees input j iff out[k] >= in[j]. */
    public static float[] hiddenMask(int[] outDegrees, int[] inDegrees) {
        float[] mask = new float[outDegrees.length * inDegrees.length];
        for (int k = 0; k < outDegrees.length; k++) {
            for (int j = 0; j < inDegrees.length; j++) {
                mask[k * inDegrees.length + j] = outDegrees[k] >= inDegrees[j] ? 1f : 0f;
            }
        }
        return mask;
    }

    /**
     * Mask {@code [P * d, in]} for the output layer: output {@code p * d + i} sees unit k iff order[i] > in[k].
     */
    public static float[] outputMask(int[] order, int parameters, int[] inDegrees) {
        int d = order.length;
        float[] mask = new float[parameters * d * inDegrees.length];
        for (int p = 0; p < parameters; p++) {
            for (int i = 0; i < d; i++) {
                int row = p * d + i;
                for (int k = 0; k < inDegrees.length; k++) {
                    mask[row * inDegrees.length + k] = order[i] > inDegrees[k] ? 1f : 0f;
                }
            }
        }
        return mask;
    }
}
