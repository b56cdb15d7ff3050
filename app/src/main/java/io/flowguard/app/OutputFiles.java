package io.flowguard.app;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every file the CLI writes is replaced whole or not at all: it is written to a temporary file in the same folder,
 * forced to disk and renamed over the target in one step (as checkpoints are, {@code CheckpointCodec.write}), so a
 * failure mid-way leaves the previous file as it was. Missing parent folders are created.
 */
final class OutputFiles {

    /** Writes the content of one file. */
    @FunctionalInterface
    interface Content {
        void writeTo(Writer out) throws IOException;
    }

    private OutputFiles() {}

    /**
     * Checks that {@code out} can be written, before any work is spent on it: a {@link UserError} that says why not
     * (it is a directory, a parent is a file, the folder is not writable...).
     *
     * @param what what the file holds, for the message ("scores", "checkpoint")
     */
    static void check(Path out, String what) {
        if (Files.isDirectory(out)) {
            throw new UserError(out + ": cannot write the " + what + " there: it is a directory");
        }
        Path folder = folder(out);
        for (Path p = folder; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new UserError(out + ": cannot write the " + what + " there: " + p
                            + " is a file, not a directory");
                }
                break;
            }
        }
        try {
            Files.createDirectories(folder);
            Files.delete(createTemporary(out));
        } catch (IOException e) {
            throw new UserError(out + ": cannot write the " + what + " there: " + reason(e), e);
        }
        if (Files.exists(out) && !Files.isWritable(out)) {
            throw new UserError(out + ": cannot write the " + what + " there: the file is not writable");
        }
    }

    /** Writes {@code content} as UTF-8 to {@code out} atomically; an I/O failure is a one-line {@link UserError}. */
    static void write(Path out, String what, Content content) {
        check(out, what);
        Path tmp = null;
        try {
            tmp = createTemporary(out);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                    Writer writer = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8), 1 << 16)) {
                content.writeTo(writer);
                writer.flush();
                channel.force(true);
            }
            try {
                Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UserError(out + ": cannot write the " + what + " (" + reason(e) + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // Best effort: the write itself already succeeded or failed with its own message.
                }
            }
        }
    }

    private static Path folder(Path out) {
        return out.toAbsolutePath().getParent();
    }

    /**
     * A new empty file next to {@code out}. Not {@code Files.createTempFile}: that one is private to the owner
     * (0600), which the renamed output would keep; a plain create gets the usual permissions (umask).
     */
    private static Path createTemporary(Path out) throws IOException {
        while (true) {
            Path tmp = folder(out).resolve("." + out.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                // Drawn twice: draw again.
            }
        }
    }

    /** Why an I/O operation failed, in words. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
