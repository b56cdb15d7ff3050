package io.flowguard.app;

import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.retrainer.RetrainerConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The living-model part of the streaming demo: when the season changes (every station's ambient temperature moves)
 * and the retrainer that reacts to it.
 *
 * @param atSeconds when the season changes, seconds into the stream (negative: never)
 * @param celsius the ambient shift
 * @param retrain run the retrainer next to the scorer
 */
record DemoSeason(double atSeconds, double celsius, boolean retrain, FlowSpec spec,
        PreprocessingOptions preprocessing) {

    /** The retrainer the demo runs: a 20,000-event window, a 5 s drift sustain, a quick refit. */
    RetrainerConfig retrainer(String bootstrap, Path store, String modelName, Path initial) {
        return RetrainerConfig.builder(bootstrap, store).modelName(modelName)
                .window(20_000, Duration.ZERO).minEvents(5_000).alertGrace(Duration.ofSeconds(2))
                .drift(4096, 0.5, 1.5, 0, Duration.ofSeconds(5)).schedule(Duration.ZERO, Duration.ofSeconds(20))
                .model(spec, preprocessing, TrainOptions.builder().optMaxEpochs(40).optMaxSeconds(40)
                        .optTrimFraction(0.02).optSeed(11).build())
                .trainThreads(0).initialCheckpoint(initial).build();
    }
}
