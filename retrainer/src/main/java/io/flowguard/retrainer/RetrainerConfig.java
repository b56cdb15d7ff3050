package io.flowguard.retrainer;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.train.TrainOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings of the retrainer service; every field has a {@code flowguard.retrainer.*} key (named in validation
 * errors) and a default in {@link Builder}.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param modelName the model this retrainer keeps alive (the control topic's key)
 * @param eventsTopic input events (Avro {@code Event})
 * @param alertsTopic the serving model's alerts; alerted events stay out of the window (poisoning guard)
 * @param scoresTopic the serving model's scores, watched for drift
 * @param controlTopic compacted topic of {@code ModelRelease} records
 * @param requestsTopic {@code RetrainRequest} records ({@code flowguard model retrain})
 * @param store checkpoint store directory
 * @param windowEvents most events in the training window
 * @param windowHorizon oldest event time kept, before the newest; zero for no age limit
 * @param memoryCapBytes window rows beyond this many bytes are spilled to a mapped file under the store
 * @param alertGrace how long an event waits before it may enter the window (its alert, if any, arrives first)
 * @param schedule refit every this long; zero for no schedule
 * @param minInterval least time between two automatic (schedule, drift) refits
 * @param driftWindow scores per drift evaluation
 * @param driftShiftSd window median shift, in calibrated robust standard deviations, that counts as drift
 * @param driftSpreadFactor window IQR against the calibrated IQR (either way) that counts as drift
 * @param driftAlertRate alerted share of the window that counts as drift; zero for no alert-rate test
 * @param driftSustain how long drift must persist before it triggers a refit
 * @param minEvents fewest window events a refit runs on
 * @param holdoutFraction share of the window held out for the validation gate
 * @param spec the flow to fit
 * @param preprocessing preprocessing fitted to each window
 * @param train training settings (the trimmed likelihood, {@code trimFraction}, keeps unflagged anomalies out)
 * @param warmStart continue from the serving model's weights and preprocessing instead of from scratch
 * @param trainThreads engine threads for training (PyTorch intra-op); 0 leaves the engine's setting
 * @param gateMarginPerDimension how much worse than the serving model's holdout NLL a candidate may be, nats per
 *     feature
 * @param gateSlack binomial tolerance factor on the holdout alert rate
 * @param policy the decision policy (its target false-alarm rate is what the gate checks)
 * @param retain checkpoints kept in the store (never the serving one or the one before it)
 * @param signingKey Ed25519 private key (PEM) that signs approved releases, or null
 * @param initialCheckpoint published as the first release when the control topic has none, or null
 * @param featureNames features of the first model when nothing serves and no initial checkpoint is given; empty
 *     takes the first event's features (sorted)
 */
public record RetrainerConfig(String bootstrapServers, String modelName, String eventsTopic, String alertsTopic,
        String scoresTopic, String controlTopic, String requestsTopic, Path store, int windowEvents,
        Duration windowHorizon, long memoryCapBytes, Duration alertGrace, Duration schedule, Duration minInterval,
        int driftWindow, double driftShiftSd, double driftSpreadFactor, double driftAlertRate, Duration driftSustain,
        int minEvents, double holdoutFraction, FlowSpec spec, PreprocessingOptions preprocessing, TrainOptions train,
        boolean warmStart, int trainThreads, double gateMarginPerDimension, double gateSlack, AlertPolicy policy,
        int retain, Path signingKey, Path initialCheckpoint, List<String> featureNames) {

    public RetrainerConfig {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrap-servers", "host:port",
                bootstrapServers);
        require(modelName != null && modelName.matches("[A-Za-z0-9._-]{1,100}"), "model-name",
                "1-100 of [A-Za-z0-9._-]", modelName);
        require(store != null, "store", "a directory", store);
        require(windowEvents >= 100, "window-events", ">= 100 events", windowEvents);
        require(!windowHorizon.isNegative(), "window-horizon", "a duration >= 0", windowHorizon);
        require(memoryCapBytes >= 0, "memory-cap", ">= 0 bytes", memoryCapBytes);
        require(!alertGrace.isNegative(), "alert-grace", "a duration >= 0", alertGrace);
        require(!schedule.isNegative(), "schedule", "a duration >= 0", schedule);
        require(!minInterval.isNegative(), "min-interval", "a duration >= 0", minInterval);
        require(driftWindow >= 100, "drift-window", ">= 100 scores", driftWindow);
        require(driftShiftSd > 0, "drift-shift", "> 0 standard deviations", driftShiftSd);
        require(driftSpreadFactor > 1, "drift-spread", "> 1", driftSpreadFactor);
        require(driftAlertRate >= 0 && driftAlertRate < 1, "drift-alert-rate", "in [0, 1)", driftAlertRate);
        require(!driftSustain.isNegative(), "drift-sustain", "a duration >= 0", driftSustain);
        require(minEvents >= 50 && minEvents <= windowEvents, "min-events", "50..window-events", minEvents);
        require(holdoutFraction > 0 && holdoutFraction < 0.5, "holdout", "in (0, 0.5)", holdoutFraction);
        require(trainThreads >= 0, "train-threads", ">= 0", trainThreads);
        require(gateMarginPerDimension >= 0, "gate-margin", ">= 0 nats per feature", gateMarginPerDimension);
        require(gateSlack >= 1, "gate-slack", ">= 1", gateSlack);
        require(retain >= 2, "retain", ">= 2 checkpoints", retain);
        featureNames = List.copyOf(featureNames);
    }

    private static void require(boolean ok, String key, String expected, Object got) {
        if (!ok) {
            throw new FlowGuardException("flowguard.retrainer." + key + ": expected " + expected + ", got " + got);
        }
    }

    public static Builder builder(String bootstrapServers, Path store) {
        return new Builder(bootstrapServers, store);
    }

    /** Production defaults; set what differs. */
    public static final class Builder {
        private final String bootstrapServers;
        private final Path store;
        String modelName = "default";
        String eventsTopic = "events";
        String alertsTopic = "alerts";
        String scoresTopic = "scores";
        String controlTopic = "model-releases";
        String requestsTopic = "model-requests";
        int windowEvents = 100_000;
        Duration windowHorizon = Duration.ZERO;
        long memoryCapBytes = 256L << 20;
        Duration alertGrace = Duration.ofSeconds(5);
        Duration schedule = Duration.ZERO;
        Duration minInterval = Duration.ofMinutes(5);
        int driftWindow = 4096;
        double driftShiftSd = 0.5;
        double driftSpreadFactor = 1.5;
        double driftAlertRate;
        Duration driftSustain = Duration.ofSeconds(30);
        int minEvents = 2000;
        double holdoutFraction = 0.2;
        FlowSpec spec;
        PreprocessingOptions preprocessing = PreprocessingOptions.defaults();
        TrainOptions train = TrainOptions.builder().optTrimFraction(0.02).optMaxSeconds(120).build();
        boolean warmStart;
        int trainThreads = 1;
        double gateMarginPerDimension = 0.02;
        double gateSlack = 2;
        AlertPolicy policy = AlertPolicy.defaults();
        int retain = 10;
        Path signingKey;
        Path initialCheckpoint;
        List<String> featureNames = List.of();

        private Builder(String bootstrapServers, Path store) {
            this.bootstrapServers = bootstrapServers;
            this.store = store;
        }

        public Builder modelName(String v) { modelName = v; return this; }
        public Builder topics(String events, String alerts, String scores) {
            eventsTopic = events; alertsTopic = alerts; scoresTopic = scores; return this;
        }
        public Builder controlTopics(String control, String requests) {
            controlTopic = control; requestsTopic = requests; return this;
        }
        public Builder window(int events, Duration horizon) { windowEvents = events; windowHorizon = horizon; return this; }
        public Builder memoryCap(long bytes) { memoryCapBytes = bytes; return this; }
        public Builder alertGrace(Duration v) { alertGrace = v; return this; }
        public Builder schedule(Duration every, Duration min) { schedule = every; minInterval = min; return this; }
        public Builder drift(int window, double shiftSd, double spreadFactor, double alertRate, Duration sustain) {
            driftWindow = window; driftShiftSd = shiftSd; driftSpreadFactor = spreadFactor;
            driftAlertRate = alertRate; driftSustain = sustain; return this;
        }
        public Builder minEvents(int v) { minEvents = v; return this; }
        public Builder holdout(double v) { holdoutFraction = v; return this; }
        public Builder model(FlowSpec s, PreprocessingOptions p, TrainOptions t) {
            spec = s; preprocessing = p; train = t; return this;
        }
        public Builder warmStart(boolean v) { warmStart = v; return this; }
        public Builder trainThreads(int v) { trainThreads = v; return this; }
        public Builder gate(double marginPerDimension, double slack) {
            gateMarginPerDimension = marginPerDimension; gateSlack = slack; return this;
        }
        public Builder policy(AlertPolicy v) { policy = v; return this; }
        public Builder retain(int v) { retain = v; return this; }
        public Builder signingKey(Path v) { signingKey = v; return this; }
        public Builder initialCheckpoint(Path v) { initialCheckpoint = v; return this; }
        public Builder featureNames(List<String> v) { featureNames = v; return this; }

        public RetrainerConfig build() {
            if (spec == null) {
                throw new FlowGuardException("flowguard.retrainer.model: expected a flow spec, got none");
            }
            return new RetrainerConfig(bootstrapServers, modelName, eventsTopic, alertsTopic, scoresTopic,
                    controlTopic, requestsTopic, store, windowEvents, windowHorizon, memoryCapBytes, alertGrace,
                    schedule, minInterval, driftWindow, driftShiftSd, driftSpreadFactor, driftAlertRate,
                    driftSustain, minEvents, holdoutFraction, spec, preprocessing, train, warmStart, trainThreads,
                    gateMarginPerDimension, gateSlack, policy, retain, signingKey, initialCheckpoint, featureNames);
        }
    }
}
