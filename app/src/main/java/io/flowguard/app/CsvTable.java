package io.flowguard.app;

import io.flowguard.model.data.Matrix;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Numeric CSV files (optionally gzip'd) with a header row. Every problem is reported as a {@link UserError} naming
 * the file, the 1-based line and the column, so the CLI can print one line and exit.
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
     * @param wanted feature columns by name, in model order; null = every column except the label column
     * @param labelColumn name of a 0/1 label column to read separately, or null
     * @param keyColumn name of an entity column (any text) to read separately, or null
     */
    public static CsvTable read(Path file, List<String> wanted, String labelColumn, String keyColumn) {
        try (BufferedReader in = open(file)) {
            String headerLine = in.readLine();
            if (headerLine == null) {
                throw new UserError(file + ": expected a header row, got an empty file");
            }
            String[] header = split(headerLine);
            for (int j = 0; j < header.length; j++) {
                header[j] = header[j].trim();
            }
            int label = labelColumn == null ? -1 : indexOf(header, labelColumn);
            if (labelColumn != null && label < 0) {
                throw new UserError(file + ": expected a label column '" + labelColumn + "', got columns "
                        + Arrays.toString(header));
            }
            int key = keyColumn == null ? -1 : indexOf(header, keyColumn);
            if (keyColumn != null && key < 0) {
                throw new UserError(file + ": expected a key column '" + keyColumn + "', got columns "
                        + Arrays.toString(header));
            }
            int[] columns = select(file, header, wanted, label);
            String[] names = new String[columns.length];
            for (int k = 0; k < columns.length; k++) {
                names[k] = header[columns[k]];
            }
            FloatBuffer values = new FloatBuffer();
            List<Integer> labels = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            String line;
            long lineNo = 1;
            int rows = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = split(line);
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
                        throw new UserError(file + ": row " + lineNo + ", column '" + header[label]
                                + "': expected a 0/1 label, got '" + cells[label].trim() + "'");
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
            throw new UserError(file + ": cannot read it (" + e.getMessage() + ")", e);
        }
    }

    private static int[] select(Path file, String[] header, List<String> wanted, int label) {
        if (wanted == null) {
            int[] cols = new int[header.length - (label >= 0 ? 1 : 0)];
            int k = 0;
            for (int j = 0; j < header.length; j++) {
                if (j != label) {
                    cols[k++] = j;
                }
            }
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

    private static int indexOf(String[] header, String name) {
        for (int j = 0; j < header.length; j++) {
            if (header[j].equals(name)) {
                return j;
            }
        }
        return -1;
    }

    private static float parse(Path file, long line, String column, String cell) {
        String s = cell.trim();
        float v;
        try {
            v = Float.parseFloat(s);
        } catch (NumberFormatException e) {
            throw new UserError(file + ": row " + line + ", column '" + column + "': expected a number, got '"
                    + s + "'");
        }
        if (!Float.isFinite(v)) {
            throw new UserError(file + ": row " + line + ", column '" + column + "': expected a finite number, got '"
                    + s + "'");
        }
        return v;
    }

    private static String[] split(String line) {
        return line.split(",", -1);
    }

    private static BufferedReader open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new UserError(file + ": expected a CSV file, got a directory");
        }
        InputStream raw = Files.newInputStream(file);
        InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
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
