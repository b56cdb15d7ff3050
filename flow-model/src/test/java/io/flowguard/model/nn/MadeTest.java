package io.flowguard.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.support.Numerics;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The autoregressive property of MADE, checked with autograd: d out_{p,i} / d x_j = 0 whenever order[j] >= order[i]. */
class MadeTest {

    static Stream<Arguments> orders() {
        return Stream.of(
                Arguments.of(new int[] {1, 2, 3, 4, 5}, new int[] {32, 32}, 2),
                Arguments.of(new int[] {5, 4, 3, 2, 1}, new int[] {32, 32}, 2),
                Arguments.of(new int[] {3, 1, 5, 2, 4}, new int[] {8, 16, 8}, 23),
                Arguments.of(new int[] {2, 1, 3}, new int[] {2}, 3),
                Arguments.of(new int[] {1}, new int[] {8, 8}, 2));
    }

    @ParameterizedTest
    @MethodSource("orders")
    void outputDependsOnlyOnEarlierInputs(int[] order, int[] hidden, int parameters) {
        int d = order.length;
        try (NDManager m = NDManager.newBaseManager()) {
            MaskedMlp made = MaskedMlp.made(order, hidden, parameters, 7);
            made.initialize(m, DataType.FLOAT32, new Shape(1, d));
            Numerics.randomize(made, 2.0, 3);
            int n = 8;
            float[] x = Numerics.gaussian(n, d, 1.0, 5);
            int connections = 0;
            for (int p = 0; p < parameters; p++) {
                for (int i = 0; i < d; i++) {
                    NDArray input = m.create(x, new Shape(n, d));
                    input.setRequiresGradient(true);
                    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                        NDArray out = made.apply(input);
                        gc.backward(out.get(":, " + (p * d + i)).sum());
                    }
                    float[] g = input.getGradient().toFloatArray();
                    for (int b = 0; b < n; b++) {
                        for (int j = 0; j < d; j++) {
                            float grad = g[b * d + j];
                            if (order[j] >= order[i]) {
                                assertEquals(0f, grad, 0f, "output (" + p + "," + i + ") must not see input " + j);
                            } else if (grad != 0f) {
                                connections++;
                            }
                        }
                    }
                }
            }
            if (d > 1) {
                assertTrue(connections > 0, "the mask must not cut every allowed connection");
            }
        }
    }

    @Test
    void masksFollowTheDegreeRules() {
        int[] order = {2, 1, 3};
        int[] hidden = MadeMasks.hiddenDegrees(4, 3);
        assertArrayEquals(new int[] {1, 2, 1, 2}, hidden);
        float[] first = MadeMasks.hiddenMask(hidden, order);
        // unit 0 (degree 1) sees only input 1 (degree 1)
        assertArrayEquals(new float[] {0, 1, 0}, java.util.Arrays.copyOfRange(first, 0, 3));
        // unit 1 (degree 2) sees inputs 0 and 1
        assertArrayEquals(new float[] {1, 1, 0}, java.util.Arrays.copyOfRange(first, 3, 6));
        float[] out = MadeMasks.outputMask(order, 1, hidden);
        // coordinate 1 has degree 1: it sees no hidden unit
        assertArrayEquals(new float[] {0, 0, 0, 0}, java.util.Arrays.copyOfRange(out, 4, 8));
        // coordinate 2 has degree 3: it sees every hidden unit
        assertArrayEquals(new float[] {1, 1, 1, 1}, java.util.Arrays.copyOfRange(out, 8, 12));
    }

    @Test
    void rejectsAnOrderThatIsNotAPermutation() {
        FlowGuardException e = assertThrows(FlowGuardException.class,
                () -> MaskedMlp.made(new int[] {1, 1, 3}, new int[] {4}, 2, 0));
        assertEquals("expected an ordering that is a permutation of 1..3, got [1, 1, 3]", e.getMessage());
    }

    @Test
    void savesAndLoadsItsParameters() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            MaskedMlp made = MaskedMlp.made(new int[] {1, 2, 3}, new int[] {8}, 2, 1);
            made.initialize(m, DataType.FLOAT32, new Shape(1, 3));
            Numerics.randomize(made, 1.0, 2);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            made.saveParameters(new java.io.DataOutputStream(bytes));
            MaskedMlp copy = MaskedMlp.made(new int[] {1, 2, 3}, new int[] {8}, 2, 99);
            copy.initialize(m, DataType.FLOAT32, new Shape(1, 3));
            copy.loadParameters(m, new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
            NDArray x = m.create(Numerics.gaussian(4, 3, 1, 3), new Shape(4, 3));
            assertArrayEquals(made.apply(x).toFloatArray(), copy.apply(x).toFloatArray(), 0f);
        }
    }
}
