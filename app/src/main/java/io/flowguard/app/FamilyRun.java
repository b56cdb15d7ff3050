package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import io.flowguard.model.train.ModelFitter;
import io.flowguard.model.train.TrainingListener;
import java.nio.file.Path;

/**
 * One flow family measured on one labelled dataset with one seed of the ADBench protocol ({@link HoldOutSplit},
 * {@link DetectionQuality}, as {@code flowguard eval} does): fit on the training rows, then on the test rows the mean
 * NLL and detection quality, scoring and sampling throughput, and the trainable parameter count.
 *
 * @param testNll mean {@code -log p(x)} of the test rows, nats per event (anomalies included, raw units)
 * @param normalTestNll the same over the test rows labelled 0: held-out density quality, which a few far-away
 *     anomalies cannot dominate
 * @param fitSeconds wall time of the whole fit (preprocessing, training, calibration)
 * @param scoreEventsPerSecond batched scoring through the {@link Scorer} (density, latent norm, contributions)
 * @param sampleEventsPerSecond {@link Flow#sample} of {@code sampleEvents} events
 */
record FamilyRun(String dataset, FlowKind kind, FlowSpec spec, double testNll, double normalTestNll,
        DetectionQuality quality,
        double fitSeconds, int epochs, String stopReason, double scoreEventsPerSecond, double sampleEventsPerSecond,
        long parameters) {

    /**
     * @param minSeconds least time each throughput measurement runs for (after one warm-up call)
     */
    static FamilyRun measure(CsvTable table, String dataset, Path source, HoldOutSplit split, FlowKind kind,
            ModelOptions model, PolicyOptions policy, long seed, int sampleEvents, double minSeconds,
            TrainingListener listener) {
        FlowSpec spec = model.spec(kind, seed);
        try (NDManager manager = NDManager.newBaseManager(io.flowguard.model.engine.Devices.select(model.device))) {
            long t0 = System.nanoTime();
            ModelFitter.Fitted fitted = ModelFitter.fit(split.train(), table.names(), spec, model.preprocessing(),
                    model.train(seed), listener, manager, dataset);
            double fitSeconds = (System.nanoTime() - t0) / 1e9;
            Scorer scorer = fitted.scorer();
            ScoreBatch scores = scorer.score(split.test());
            double nll = 0;
            double normalNll = 0;
            int normal = 0;
            for (int i = 0; i < scores.size(); i++) {
                nll -= scores.logLikelihood(i);
                if (split.testLabels()[i] == 0) {
                    normalNll -= scores.logLikelihood(i);
                    normal++;
                }
            }
            Thresholds thresholds = policy.thresholds(scorer, source);
            DetectionQuality quality = DetectionQuality.of(scores, thresholds, split.testLabels());
            long scored = 0;
            long start = System.nanoTime();
            do {
                scorer.score(split.test());
                scored += split.test().rows();
            } while (System.nanoTime() - start < minSeconds * 1e9);
            double scoreRate = scored / ((System.nanoTime() - start) / 1e9);
            Flow flow = fitted.flow();
            flow.sample(Math.min(sampleEvents, 1000), seed);
            long sampled = 0;
            start = System.nanoTime();
            do {
                flow.sample(sampleEvents, seed + sampled);
                sampled += sampleEvents;
            } while (System.nanoTime() - start < minSeconds * 1e9);
            double sampleRate = sampled / ((System.nanoTime() - start) / 1e9);
            long parameters = 0;
            for (Parameter p : flow.trainableParameters()) {
                parameters += p.getArray().size();
            }
            return new FamilyRun(dataset, kind, spec, nll / scores.size(), normalNll / normal, quality, fitSeconds,
                    fitted.report().history().size(), fitted.report().stopReason(), scoreRate, sampleRate,
                    parameters);
        }
    }
}
