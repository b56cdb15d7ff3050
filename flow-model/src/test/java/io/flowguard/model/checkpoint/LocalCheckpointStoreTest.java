package io.flowguard.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flowguard.model.flow.FlowKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local store: atomic, content-addressed, immutable, and careful about what it deletes. */
class LocalCheckpointStoreTest {

    private static final byte[] A = CheckpointFixtures.checkpoint(FlowKind.MAF, 11);
    private static final byte[] B = CheckpointFixtures.checkpoint(FlowKind.NSF, 12);
    private static final byte[] C = CheckpointFixtures.checkpoint(FlowKind.NSF_COUPLING, 13);

    @TempDir
    Path dir;

    private static String version(byte[] bytes) {
        return CheckpointIdentity.version(CheckpointIdentity.sha256Hex(bytes));
    }

    @Test
    void aPutIsStoredUnderItsVersionAndReadsBackExactly() throws IOException {
        LocalCheckpointStore store = new LocalCheckpointStore(dir.resolve("store"));
        StoredCheckpoint stored = store.put(A);
        Path file = dir.resolve("store").resolve(version(A) + ".fgck");
        assertEquals(version(A), stored.version());
        assertEquals(CheckpointIdentity.sha256Hex(A), stored.sha256());
        assertEquals(file.toAbsolutePath().toUri().toString(), stored.uri());
        assertEquals(A.length, stored.bytes());
        assertEquals(Files.getLastModifiedTime(file).toInstant(), stored.storedAt());
        assertArrayEquals(A, Files.readAllBytes(file));
        assertArrayEquals(A, store.read(stored.uri()));
        assertEquals(Optional.of(stored), store.find(stored.version()));
        assertEquals(Optional.of(stored), store.find(stored.version().toUpperCase()));
        assertEquals(List.of(stored), store.list());
        assertEquals(List.of(file.getFileName()), listing(dir.resolve("store")), "no temporary file is left");
    }

    @Test
    void puttingTheSameBytesTwiceIsANoOp() {
        LocalCheckpointStore store = new LocalCheckpointStore(dir);
        StoredCheckpoint first = store.put(A);
        assertEquals(first, store.put(A.clone()));
        assertEquals(1, store.list().size());
    }

    @Test
    void differentBytesNeverReplaceAStoredVersion() throws IOException {
        LocalCheckpointStore store = new LocalCheckpointStore(dir);
        Path squatter = dir.resolve(version(A) + ".fgck");
        Files.write(squatter, B);
        String message = assertThrows(CheckpointException.class, () -> store.put(A)).getMessage();
        assertEquals(squatter.toAbsolutePath() + ": a stored version is never replaced: expected SHA-256 "
                + CheckpointIdentity.sha256Hex(A) + " in it, got " + CheckpointIdentity.sha256Hex(B), message);
        assertArrayEquals(B, Files.readAllBytes(squatter));
        assertEquals(List.of(squatter.getFileName()), listing(dir));
    }

    @Test
    void bytesThatDoNotDecodeAreNotStored() throws IOException {
        LocalCheckpointStore store = new LocalCheckpointStore(dir);
        byte[] truncated = java.util.Arrays.copyOf(A, A.length - 1);
        String message = assertThrows(CheckpointException.class, () -> store.put(truncated)).getMessage();
        assertTrue(message.contains("truncated checkpoint"), message);
        assertEquals(List.of(), listing(dir));
    }

    @Test
    void openingDeletesStaleTemporaryFilesAndListNeverShowsOne() throws IOException {
        Path stale = dir.resolve("." + version(A) + ".fgck.123.tmp");
        Files.write(stale, A, java.nio.file.StandardOpenOption.CREATE_NEW);
        Files.writeString(dir.resolve("notes.txt"), "not a checkpoint");
        LocalCheckpointStore store = new LocalCheckpointStore(dir);
        assertFalse(Files.exists(stale), "a temporary file left by a crash is deleted on open");
        assertTrue(Files.exists(dir.resolve("notes.txt")), "only temporary files are deleted");
        Path inFlight = dir.resolve("." + version(B) + ".fgck.456.tmp");
        Files.write(inFlight, B);
        assertEquals(List.of(), store.list());
        assertEquals(Optional.empty(), store.find(version(B)));
    }

    @Test
    void listIsOldestFirstAndRetainNeverDeletesAProtectedVersion() throws IOException {
        LocalCheckpointStore store = new LocalCheckpointStore(dir);
        StoredCheckpoint a = store.put(A);
        StoredCheckpoint b = store.put(B);
        StoredCheckpoint c = store.put(C);
        age(a, 300);
        age(b, 200);
        age(c, 100);
        List<StoredCheckpoint> all = store.list();
        assertEquals(List.of(a.version(), b.version(), c.version()),
                all.stream().map(StoredCheckpoint::version).toList());
        List<StoredCheckpoint> deleted = store.retain(1, Set.of(a.version()));
        assertEquals(List.of(b.version()), deleted.stream().map(StoredCheckpoint::version).toList());
        assertEquals(List.of(a.version(), c.version()), store.list().stream().map(StoredCheckpoint::version)
                .toList());
        assertEquals(List.of(), store.retain(0, Set.of(a.version(), c.version())));
        assertEquals(List.of(a.version()), store.retain(0, Set.of(c.version())).stream()
                .map(StoredCheckpoint::version).toList());
        assertEquals(List.of(c.version()), store.list().stream().map(StoredCheckpoint::version).toList());
        assertEquals("expected a number of checkpoints to keep >= 0, got -1",
                assertThrows(CheckpointException.class, () -> store.retain(-1, Set.of())).getMessage());
    }

    @Test
    void readRefusesAMissingFileAndAUriThatIsNotAFile() throws IOException {
        LocalCheckpointStore store = new LocalCheckpointStore(dir.resolve("store"));
        Path elsewhere = dir.resolve("elsewhere.fgck");
        Files.write(elsewhere, A);
        assertArrayEquals(A, store.read(elsewhere.toUri().toString()), "a release may point to any file uri");
        String missing = dir.resolve("gone.fgck").toUri().toString();
        assertEquals(missing + ": no such checkpoint",
                assertThrows(CheckpointException.class, () -> store.read(missing)).getMessage());
        assertEquals("expected a file: uri of a checkpoint, got 's3://bucket/x.fgck'",
                assertThrows(CheckpointException.class, () -> store.read("s3://bucket/x.fgck")).getMessage());
        assertEquals(Optional.empty(), store.find("../../etc/passwd"));
    }

    private static void age(StoredCheckpoint c, long seconds) throws IOException {
        Files.setLastModifiedTime(Path.of(java.net.URI.create(c.uri())),
                FileTime.from(Instant.parse("2026-11-01T00:00:00Z").minusSeconds(seconds)));
    }

    private static List<Path> listing(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(Path::getFileName).sorted().toList();
        }
    }
}
