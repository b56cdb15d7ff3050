package io.flowguard.app;

import io.flowguard.ingest.source.Cells;
import io.flowguard.ingest.source.CsvReader;
import io.flowguard.model.data.Matrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Numeric CSV files with a header row, read by ingest's {@link CsvReader} (RFC 4180 quoting, gzip told by its magic
 * bytes, a byte-order mark dropped, unique non-empty column names). Cells are plain decimal or scientific numbers
 * within float32 range. Every problem is a one-line user error ({@link UserError}, or ingest's for the file's
 * structure) naming the file, the 1-based line ("row") and the column, so the CLI can print it and exit.
 *
 * @param features the selected feature columns, in the requested order
 * @param labels 0/1 labels when a label column was requested, else null
 * @param keys the entity of each row when a key column was requested, else null
 */
public record CsvTable(String[] names, Matrix features, int[] labels, String[] keys) {

    public static CsvTable read(Path file, List<String> wanted, String labelColumn) {
        return read(file, wanted, labelColumn, null);
    }

    /**
     * Reads {@code file}.
     *
     * @param wanted feature columns by name, in model order; null = every column except the label and key columns
     * @param labelColumn name of a 0/1 label column to read separately, or null
     * @param keyColumn name of an entity column (any text) to read separately, or null
     */
    public static CsvTable read(Path file, List<String> wanted, String labelColumn, String keyColumn) {
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": expected a CSV file, got a directory");
        }
        try (CsvReader in = CsvReader.open(file)) {
            String[] header = in.header();
            int label = labelColumn == null ? -1 : indexOf(header, labelColumn);
            if (labelColumn != null && label < 0) {
                throw new UserError(file + ": expected a label column '" + labelColumn + "', got " + columns(header));
            }
            int key = keyColumn == null ? -1 : indexOf(header, keyColumn);
            if (keyColumn != null && key < 0) {
                throw new UserError(file + ": expected a key column '" + keyColumn + "', got " + columns(header));
            }
            int[] columns = select(file, header, wanted, label, key);
            String[] names = new String[columns.length];
            for (int k = 0; k < columns.length; k++) {
                names[k] = header[columns[k]];
            }
            FloatBuffer values = new FloatBuffer();
            List<Integer> labels = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            String[] cells;
            int rows = 0;
            while ((cells = in.next()) != null) {
                long lineNo = in.line();
                if (cells.length != header.length) {
                    throw new UserError(file + ": row " + lineNo + ": expected " + header.length
                            + " columns as in the header, got " + cells.length);
                }
                for (int col : columns) {
                    values.add(parse(file, lineNo, header[col], cells[col]));
                }
                if (label >= 0) {
                    float v = parse(file, lineNo, header[label], cells[label]);
                    if (v != 0f && v != 1f) {
                        throw new UserError(file + ": row " + lineNo + ", column " + Cells.show(header[label])
                                + ": expected a 0/1 label, got " + Cells.show(cells[label].trim()));
                    }
                    labels.add((int) v);
                }
                if (key >= 0) {
                    keys.add(cells[key].trim());
                }
                rows++;
            }
            if (rows == 0) {
                throw new UserError(file + ": expected at least one data row after the header, got none");
            }
            int[] labelArray = label < 0 ? null : labels.stream().mapToInt(Integer::intValue).toArray();
            return new CsvTable(names, new Matrix(rows, columns.length, values.toArray()), labelArray,
                    key < 0 ? null : keys.toArray(String[]::new));
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": no such file");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read it (" + OutputFiles.reason(e) + ")", e);
        }
    }

    private static int[] select(Path file, String[] header, List<String> wanted, int label, int key) {
        if (wanted == null) {
            int[] cols = IntStream.range(0, header.length).filter(j -> j != label && j != key)
                    .toArray();
            if (cols.length == 0) {
                throw new UserError(file + ": expected at least one feature column, got none");
            }
            return cols;
        }
        int[] cols = new int[wanted.size()];
        List<String> missing = new ArrayList<>();
        for (int k = 0; k < cols.length; k++) {
            cols[k] = indexOf(header, wanted.get(k));
            if (cols[k] < 0) {
                missing.add(wanted.get(k));
            }
        }
        if (!missing.isEmpty()) {
            throw new UserError(file + ": expected the model's " + wanted.size() + " feature columns " + wanted
                    + ", missing " + missing + " (the file has " + header.length + " columns)");
        }
        return cols;
    }

    /** The header for a message: at most eight names, each shown short. */
    private static String columns(String[] header) {
        StringBuilder b = new StringBuilder(header.length + " columns ");
        for (int j = 0; j < Math.min(8, header.length); j++) {
            b.append(j == 0 ? "" : ", ").append(Cells.show(header[j]));
        }
        return b.append(header.length > 8 ? ", ..." : "").toString();
    }

    private static int indexOf(String[] header, String name) {
        for (int j = 0; j < header.length; j++) {
            if (header[j].equals(name)) {
                return j;
            }
        }
        return -1;
    }

    /** A float32 cell: plain decimal or scientific notation, finite and within float32 range ({@link Cells}). */
    private static float parse(Path file, long line, String column, String cell) {
        String s = cell.trim();
        String where = file + ": row " + line + ", column " + Cells.show(column) + ": ";
        if (Cells.isDecimal(s)) {
            float v = Float.parseFloat(s);
            if (Float.isInfinite(v)) {
                throw new UserError(where + "expected a number with |x| <= " + Float.MAX_VALUE + ", got "
                        + Cells.show(s) + " (out of float32 range)");
            }
            return v;
        }
        if (Cells.isNonFiniteWord(s)) {
            throw new UserError(where + "expected a finite number, got " + Cells.show(s));
        }
        throw new UserError(where + "expected a number, got " + Cells.show(s));
    }

    /** A growable float array. */
    private static final class FloatBuffer {
        private float[] data = new float[1 << 12];
        private int size;

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
