package io.flowguard.retrainer;

import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.schemas.ModelRelease;

/** The release serving now, as the retrainer knows it, with the model loaded (for the gate and warm starts). */
record Serving(LoadedModel model, ModelRelease release) {

    String version() {
        return release.getVersion();
    }
}
