package io.flowguard.model.checkpoint;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable checkpoint files keyed by their whole-file version ({@link CheckpointIdentity}). Content addressing is
 * what makes a release safe to replay: once a version is stored its bytes never change, so a release record naming
 * a version and a SHA-256 names exactly one model. A local folder ({@link LocalCheckpointStore}) implements it; an
 * object store could. Implementations are thread-safe.
 *
 * <p>A store checks that what it is given decodes, not what it hands back: verification on load is the loader's
 * job ({@link ReleaseLoader}), because the bytes may be damaged or replaced after they were stored.
 */
public interface CheckpointStore {

    /**
     * Stores a checkpoint under its version, atomically (a reader never sees part of it). Putting the same bytes
     * again is a no-op that returns the same record.
     *
     * @throws CheckpointException when the bytes do not decode ({@link CheckpointCodec#decode}), when different
     *     bytes are already stored under the same version, or when writing fails
     */
    StoredCheckpoint put(byte[] checkpointBytes);

    /**
     * The bytes at a uri this store gave out ({@link StoredCheckpoint#uri}).
     *
     * @throws CheckpointException "no such checkpoint" when nothing is there, or when the uri is not one this
     *     kind of store reads
     */
    byte[] read(String uri);

    /** The checkpoint stored under {@code version}, if any. */
    Optional<StoredCheckpoint> find(String version);

    /** Every stored checkpoint, oldest first (by {@link StoredCheckpoint#storedAt}, then version). */
    List<StoredCheckpoint> list();

    /**
     * Deletes every checkpoint but the newest {@code keep} (by {@link #list} order), and never one of the
     * {@code protectedVersions} (the serving release, a rollback target...): an older protected checkpoint is kept
     * in addition to the newest {@code keep}.
     *
     * @param keep how many of the newest checkpoints to keep, at least 0
     * @return the deleted checkpoints, oldest first
     */
    List<StoredCheckpoint> retain(int keep, Set<String> protectedVersions);
}
