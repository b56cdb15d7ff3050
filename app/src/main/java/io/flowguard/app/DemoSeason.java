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

    /** Readings per simulated day of one pump station ({@code PumpStationSimulator}'s load cycle). */
    static final int READINGS_PER_DAY = 1440;

    /**
     * The retrainer the demo runs: a window of a little more than one simulated day of every station (a station's
     * load follows a cycle of {@value #READINGS_PER_DAY} readings: a window shorter than that teaches the model one
     * phase of the day, and it drifts again as the day moves on), a 5 s drift sustain, a quick refit.
     */
    RetrainerConfig retrainer(String bootstrap, Path store, String modelName, Path initial, int stations) {
        int day = stations * READINGS_PER_DAY;
        return RetrainerConfig.builder(bootstrap, store).modelName(modelName)
                .window(day + day / 8, Duration.ZERO).minEvents(day).alertGrace(Duration.ofSeconds(2))
                .drift(16_384, 0.5, 1.5, 0, Duration.ofSeconds(5)).schedule(Duration.ZERO, Duration.ofSeconds(20))
                .model(spec, preprocessing, TrainOptions.builder().optMaxEpochs(40).optMaxSeconds(45)
                        .optTrimFraction(0.02).optSeed(11).build())
                .trainThreads(0).initialCheckpoint(initial).build();
    }
}
