package io.flowguard.model.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Crash-safe file writes: after a crash at any point the target holds either its old bytes or all of the new ones,
 * never a prefix. Bytes go to a temporary file in the target's own folder (a rename is only atomic within one file
 * system), which is forced to disk before it is renamed, and the folder is forced after it, so that the rename
 * itself survives a power cut. Temporary names start with "." and end with {@value #TEMP_SUFFIX}.
 */
final class AtomicFiles {

    static final String TEMP_SUFFIX = ".tmp";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFiles() {}

    /** Writes {@code bytes} to {@code target}, replacing what was there. */
    static void replace(Path target, byte[] bytes) throws IOException {
        Path dir = folder(target);
        Path tmp = temp(dir, target, bytes, false);
        try {
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        forceFolder(dir);
    }

    /**
     * Writes {@code bytes} to {@code target} only if no file is there.
     *
     * <p>A hard link from the finished temporary file is the only portable way to publish a file atomically
     * <em>without</em> replacing an existing one (a rename replaces silently on POSIX); where links are not
     * supported the existence check and the rename are two steps, which is safe while one process writes.
     *
     * @param ownerOnly give the file owner-only permissions where the file system is POSIX (for keys; otherwise the
     *     platform's default for temporary files, which is owner-only on POSIX too, but not promised)
     * @return false, writing nothing, when {@code target} already exists
     */
    static boolean createNew(Path target, byte[] bytes, boolean ownerOnly) throws IOException {
        Path dir = folder(target);
        Path tmp = temp(dir, target, bytes, ownerOnly);
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (Files.exists(target)) {
                return false;
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        forceFolder(dir);
        return true;
    }

    private static Path folder(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        return dir;
    }

    private static Path temp(Path dir, Path target, byte[] bytes, boolean ownerOnly) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        Path tmp = posix && ownerOnly
                ? Files.createTempFile(dir, prefix, TEMP_SUFFIX, PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(dir, prefix, TEMP_SUFFIX, new FileAttribute<?>[0]);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return tmp;
    }

    /** Forces a folder's entries to disk; some platforms (Windows) refuse to open a folder, and lose nothing by it. */
    static void forceFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not supported here: the rename is as durable as this platform makes it.
        }
    }

    static boolean isTemp(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(".") && name.endsWith(TEMP_SUFFIX);
    }
}
