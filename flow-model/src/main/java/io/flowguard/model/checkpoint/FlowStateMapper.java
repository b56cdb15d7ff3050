package io.flowguard.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.nn.Tensors;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Converts between a live {@link Flow} and its engine-free {@link FlowState}. */
public final class FlowStateMapper {

    private FlowStateMapper() {}

    /** Captures every parameter and buffer of {@code flow} (by DJL name) with {@code manifest}. */
    public static FlowState toState(Flow flow, Manifest manifest) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : flow.getParameters()) {
            NDArray a = p.getValue().getArray();
            tensors.put(p.getKey(), new Tensor(a.getShape().getShape(), a.toFloatArray()));
        }
        return new FlowState(manifest, tensors);
    }

    /**
     * Rebuilds the flow the manifest describes on {@code manager} and loads the tensors into it.
     *
     * @throws CheckpointException when a tensor is missing, unexpected or of the wrong shape
     */
    public static Flow toFlow(FlowState state, NDManager manager, String source) {
        Flow flow;
        try {
            flow = FlowFactory.create(state.manifest().spec(), state.manifest().schema(), manager);
        } catch (FlowGuardException e) {
            throw new CheckpointException(source + ": incompatible checkpoint: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // A manifest value no constructor checks (a null feature kind, say) fails deeper in the build.
            throw new CheckpointException(source + ": incompatible checkpoint: cannot build the flow its manifest "
                    + "describes (" + e + ")", e);
        }
        Set<String> unused = new HashSet<>(state.tensors().keySet());
        for (Pair<String, Parameter> p : flow.getParameters()) {
            Tensor t = state.tensors().get(p.getKey());
            NDArray target = p.getValue().getArray();
            if (t == null) {
                throw new CheckpointException(source + ": incompatible checkpoint: expected parameter '"
                        + p.getKey() + "', got none");
            }
            if (!Arrays.equals(t.shape(), target.getShape().getShape())) {
                throw new CheckpointException(source + ": incompatible checkpoint: expected parameter '"
                        + p.getKey() + "' of shape " + target.getShape() + ", got " + Arrays.toString(t.shape()));
            }
            Tensors.assign(target, t.values());
            unused.remove(p.getKey());
        }
        if (!unused.isEmpty()) {
            throw new CheckpointException(source + ": incompatible checkpoint: unexpected parameters "
                    + unused.stream().sorted().toList());
        }
        return flow;
    }
}
