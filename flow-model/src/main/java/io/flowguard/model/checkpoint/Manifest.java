package io.flowguard.model.checkpoint;

import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.score.Calibration;

/**
 * The human-readable half of a checkpoint (stored as JSON): everything needed to rebuild the flow before its
 * parameters load, and what is known about how it was trained.
 *
 * @param formatVersion checkpoint format version (see {@link CheckpointCodec#FORMAT_VERSION})
 * @param modelKind maf, nsf or nsf-coupling (the same as {@code spec.kind}, for people reading the JSON)
 * @param spec hyper-parameters
 * @param baseDistribution name of the base density
 * @param schema feature names, kinds and fitted preprocessing
 * @param trainingWindow where the training data came from
 * @param validation metrics at fit time
 * @param calibration held-out log-likelihood distribution, or null
 * @param createdAt ISO-8601 creation time
 * @param producer the software that wrote it
 * @param payloadSha256 hex SHA-256 of the parameter payload (filled in by the codec)
 * @param parameterCount number of scalar parameters and buffers in the payload
 */
public record Manifest(int formatVersion, String modelKind, FlowSpec spec, String baseDistribution,
        FeatureSchema schema, TrainingWindow trainingWindow, ValidationMetrics validation, Calibration calibration,
        String createdAt, String producer, String payloadSha256, long parameterCount) {

    Manifest withPayload(String sha256, long count) {
        return new Manifest(formatVersion, modelKind, spec, baseDistribution, schema, trainingWindow, validation,
                calibration, createdAt, producer, sha256, count);
    }

    /**
     * The first 12 hex digits of the parameter payload's hash, for information only: it ignores the calibration,
     * schema and spec, so two checkpoints that score differently can share it. The model version is the whole
     * file's ({@link LoadedModel#version()}, {@link CheckpointIdentity#version}).
     */
    public String parametersVersion() {
        return payloadSha256 == null ? "unsaved" : payloadSha256.substring(0, Math.min(12, payloadSha256.length()));
    }
}
