package io.flowguard.model.checkpoint;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A {@link CheckpointStore} in one local folder: {@code <dir>/<version>.fgck}, uris are {@code file:} uris of the
 * absolute paths. Files are published with {@link AtomicFiles#createNew} (temporary file, fsync, hard link, folder
 * fsync), so a version is written once and never replaced. Opening a store deletes temporary files a crash left
 * behind; a put running in another process at that moment fails loudly rather than publishing anything partial, so
 * it can simply be retried.
 *
 * <p>{@link #read} accepts any {@code file:} uri, inside the folder or not: a release may point to a checkpoint kept
 * elsewhere, and the loader verifies whatever it reads against the release's SHA-256.
 */
public final class LocalCheckpointStore implements CheckpointStore {

    static final String SUFFIX = ".fgck";
    private static final Comparator<StoredCheckpoint> OLDEST_FIRST =
            Comparator.comparing(StoredCheckpoint::storedAt).thenComparing(StoredCheckpoint::version);

    private final Path dir;
    /** Whole-file hashes by file, valid while size and modification time are unchanged: list() reads each once. */
    private final Map<Path, Hashed> hashes = new ConcurrentHashMap<>();

    private record Hashed(long bytes, long modifiedNanos, String sha256) {}

    /**
     * Opens (creating if needed) the store in {@code dir} and deletes stale temporary files in it.
     *
     * @throws CheckpointException when the folder cannot be created or listed
     */
    public LocalCheckpointStore(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.dir);
            try (Stream<Path> files = Files.list(this.dir)) {
                for (Path tmp : files.filter(AtomicFiles::isTemp).toList()) {
                    deleteStale(tmp);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(this.dir + ": could not open checkpoint store: " + e, e);
        }
    }

    private static void deleteStale(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // Harmless where it stays: list() never shows a temporary file.
        }
    }

    /** The store's folder (absolute). */
    public Path dir() {
        return dir;
    }

    @Override
    public synchronized StoredCheckpoint put(byte[] checkpointBytes) {
        Objects.requireNonNull(checkpointBytes, "checkpointBytes");
        CheckpointCodec.decode(checkpointBytes, "checkpoint for " + dir);
        String sha256 = CheckpointIdentity.sha256Hex(checkpointBytes);
        Path file = file(CheckpointIdentity.version(sha256));
        try {
            if (!AtomicFiles.createNew(file, checkpointBytes, false)) {
                byte[] stored = Files.readAllBytes(file);
                if (!Arrays.equals(stored, checkpointBytes)) {
                    throw new CheckpointException(file + ": a stored version is never replaced: expected SHA-256 "
                            + sha256 + " in it, got " + CheckpointIdentity.sha256Hex(stored));
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": could not store checkpoint: " + e, e);
        }
        return Checkpoints.describe(file, checkpointBytes);
    }

    @Override
    public byte[] read(String uri) {
        Path path = path(uri);
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(uri + ": no such checkpoint", e);
        } catch (IOException e) {
            throw new CheckpointException(uri + ": could not read checkpoint: " + e, e);
        }
    }

    private static Path path(String uri) {
        URI parsed;
        try {
            parsed = new URI(Objects.requireNonNull(uri, "uri"));
        } catch (URISyntaxException e) {
            throw new CheckpointException("expected a file: uri of a checkpoint, got " + CheckpointIdentity.quote(uri)
                    + " (" + e.getReason() + ")", e);
        }
        if (!"file".equalsIgnoreCase(parsed.getScheme())) {
            throw new CheckpointException("expected a file: uri of a checkpoint, got " + CheckpointIdentity.quote(uri));
        }
        try {
            return Path.of(parsed);
        } catch (IllegalArgumentException | FileSystemNotFoundException e) {
            throw new CheckpointException("expected a file: uri of a checkpoint, got " + CheckpointIdentity.quote(uri)
                    + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public Optional<StoredCheckpoint> find(String version) {
        String v = version == null ? null : version.toLowerCase(Locale.ROOT);
        return CheckpointIdentity.isVersion(v) ? describe(file(v)) : Optional.empty();
    }

    @Override
    public List<StoredCheckpoint> list() {
        List<StoredCheckpoint> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(LocalCheckpointStore::isCheckpoint).toList()) {
                describe(file).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new CheckpointException(dir + ": could not list checkpoint store: " + e, e);
        }
        out.sort(OLDEST_FIRST);
        return out;
    }

    @Override
    public synchronized List<StoredCheckpoint> retain(int keep, Set<String> protectedVersions) {
        if (keep < 0) {
            throw new CheckpointException("expected a number of checkpoints to keep >= 0, got " + keep);
        }
        Set<String> kept = protectedVersions.stream().map(v -> v.toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        List<StoredCheckpoint> all = list();
        List<StoredCheckpoint> deleted = new ArrayList<>();
        for (StoredCheckpoint c : all.subList(0, Math.max(0, all.size() - keep))) {
            if (kept.contains(c.version())) {
                continue;
            }
            Path file = file(c.version());
            try {
                if (Files.deleteIfExists(file)) {
                    deleted.add(c);
                }
            } catch (IOException e) {
                throw new CheckpointException(file + ": could not delete checkpoint: " + e, e);
            } finally {
                hashes.remove(file);
            }
        }
        if (!deleted.isEmpty()) {
            AtomicFiles.forceFolder(dir);
        }
        return deleted;
    }

    private Path file(String version) {
        return dir.resolve(version + SUFFIX);
    }

    private static boolean isCheckpoint(Path file) {
        String name = file.getFileName().toString();
        return name.endsWith(SUFFIX)
                && CheckpointIdentity.isVersion(name.substring(0, name.length() - SUFFIX.length()))
                && Files.isRegularFile(file);
    }

    /** The record of a stored file, or empty when it is gone (a concurrent {@link #retain}). */
    private Optional<StoredCheckpoint> describe(Path file) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            long modified = attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
            Hashed h = hashes.get(file);
            if (h == null || h.bytes() != attrs.size() || h.modifiedNanos() != modified) {
                h = new Hashed(attrs.size(), modified, CheckpointIdentity.sha256Hex(Files.readAllBytes(file)));
                hashes.put(file, h);
            }
            String name = file.getFileName().toString();
            return Optional.of(new StoredCheckpoint(name.substring(0, name.length() - SUFFIX.length()), h.sha256(),
                    file.toUri().toString(), attrs.size(), attrs.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CheckpointException(file + ": could not read checkpoint: " + e, e);
        }
    }
}
