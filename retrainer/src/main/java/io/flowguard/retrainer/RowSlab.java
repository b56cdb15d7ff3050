package io.flowguard.retrainer;

import io.flowguard.model.FlowGuardException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fixed-size storage for the training window's feature rows, {@code slots x features} float32. Small windows live on
 * the heap; a window larger than the memory cap is spilled to a memory-mapped file in a local directory (the page
 * cache decides what stays in RAM), so a million-event window of 64 features does not need 256 MB of heap.
 */
abstract sealed class RowSlab implements AutoCloseable permits RowSlab.Heap, RowSlab.Mapped {

    final int slots;
    final int features;

    private RowSlab(int slots, int features) {
        this.slots = slots;
        this.features = features;
    }

    /** Heap storage when it fits under {@code memoryCapBytes}, else a mapped file in {@code spillDir}. */
    static RowSlab allocate(int slots, int features, long memoryCapBytes, Path spillDir) {
        long bytes = (long) slots * features * Float.BYTES;
        if (bytes <= memoryCapBytes) {
            if ((long) slots * features > Integer.MAX_VALUE - 8) {
                throw new FlowGuardException("flowguard.retrainer.window-events: expected a window of at most "
                        + (Integer.MAX_VALUE / features) + " events on the heap, got " + slots);
            }
            return new Heap(slots, features);
        }
        return new Mapped(slots, features, spillDir);
    }

    abstract void put(int slot, float[] row);

    abstract void get(int slot, float[] into, int offset);

    /** True when the rows are in a file rather than on the heap. */
    abstract boolean spilled();

    @Override
    public void close() {}

    static final class Heap extends RowSlab {
        private final float[] values;

        Heap(int slots, int features) {
            super(slots, features);
            values = new float[slots * features];
        }

        @Override
        void put(int slot, float[] row) {
            System.arraycopy(row, 0, values, slot * features, features);
        }

        @Override
        void get(int slot, float[] into, int offset) {
            System.arraycopy(values, slot * features, into, offset, features);
        }

        @Override
        boolean spilled() {
            return false;
        }
    }

    /** Rows in 256 MiB mapped chunks of a temporary file (deleted on close and when the JVM exits). */
    static final class Mapped extends RowSlab {
        private static final int CHUNK_FLOATS = 1 << 26;
        private final FloatBuffer[] chunks;
        private final Path file;
        private final int rowsPerChunk;

        Mapped(int slots, int features, Path spillDir) {
            super(slots, features);
            rowsPerChunk = Math.max(1, CHUNK_FLOATS / features);
            chunks = new FloatBuffer[(slots + rowsPerChunk - 1) / rowsPerChunk];
            try {
                Files.createDirectories(spillDir);
                file = Files.createTempFile(spillDir, "window-", ".f32");
                file.toFile().deleteOnExit();
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    for (int c = 0; c < chunks.length; c++) {
                        long rows = Math.min(rowsPerChunk, slots - (long) c * rowsPerChunk);
                        long from = (long) c * rowsPerChunk * features * Float.BYTES;
                        chunks[c] = ch.map(FileChannel.MapMode.READ_WRITE, from, rows * features * Float.BYTES)
                                .order(ByteOrder.nativeOrder()).asFloatBuffer();
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot spill the training window to " + spillDir, e);
            }
        }

        @Override
        void put(int slot, float[] row) {
            chunks[slot / rowsPerChunk].put((slot % rowsPerChunk) * features, row, 0, features);
        }

        @Override
        void get(int slot, float[] into, int offset) {
            chunks[slot / rowsPerChunk].get((slot % rowsPerChunk) * features, into, offset, features);
        }

        @Override
        boolean spilled() {
            return true;
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // deleteOnExit is the fallback
            }
        }
    }
}
