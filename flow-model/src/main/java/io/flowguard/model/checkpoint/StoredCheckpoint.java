package io.flowguard.model.checkpoint;

import java.time.Instant;

/**
 * A checkpoint file as a store (or {@link Checkpoints#save}) holds it: what a release record points to.
 *
 * @param version first 16 hex digits of {@code sha256} ({@link CheckpointIdentity#version})
 * @param sha256 lower-case hex SHA-256 of the whole file
 * @param uri where the store reads it back ({@link CheckpointStore#read}); {@code file:} for local files
 * @param bytes file size in bytes
 * @param storedAt when the file was written (its modification time)
 */
public record StoredCheckpoint(String version, String sha256, String uri, long bytes, Instant storedAt) {}
