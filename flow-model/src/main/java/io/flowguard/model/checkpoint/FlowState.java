package io.flowguard.model.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model as plain data, independent of any engine: the manifest and every parameter and buffer by name. The
 * {@link FlowStateMapper} converts between this and a live {@link io.flowguard.model.flow.Flow}; the
 * {@link CheckpointCodec} between this and bytes.
 */
public record FlowState(Manifest manifest, Map<String, Tensor> tensors) {

    public FlowState {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }
}
