package io.flowguard.model.support;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;

/** Building and evaluating flows in tests. */
public final class Flows {

    private Flows() {}

    public static String[] names(int d) {
        String[] names = new String[d];
        for (int i = 0; i < d; i++) {
            names[i] = "x" + i;
        }
        return names;
    }

    /** A flow whose preprocessing is fitted to {@code data} (no heavy-tail transform, no dequantisation). */
    public static Flow build(FlowSpec spec, Matrix data, NDManager manager) {
        PreprocessingOptions plain = new PreprocessingOptions(PreprocessingOptions.HeavyTail.NEVER, false, 3, 20);
        return FlowFactory.create(spec, FeatureSchema.fit(data, names(data.cols()), plain), manager);
    }

    /** log p(x) of every row, in batches. */
    public static float[] logProb(Flow flow, Matrix data) {
        float[] out = new float[data.rows()];
        int chunk = 16384;
        for (int from = 0; from < data.rows(); from += chunk) {
            Matrix part = data.slice(from, Math.min(data.rows(), from + chunk));
            try (NDManager m = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray x = m.create(part.values(), new Shape(part.rows(), part.cols()));
                System.arraycopy(flow.logProb(x).toFloatArray(), 0, out, from, part.rows());
            }
        }
        return out;
    }

    public static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }
}
