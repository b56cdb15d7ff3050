package io.flowguard.model.data;

import io.flowguard.model.InvalidInputException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A dense row-major float32 matrix of events: {@code rows} events by {@code cols} features. This is the hand-off
 * format between readers (CSV, Kafka) and the model; the values array is shared, not copied.
 */
public final class Matrix {

    private final int rows;
    private final int cols;
    private final float[] values;

    public Matrix(int rows, int cols, float[] values) {
        if (rows < 0 || cols <= 0) {
            throw new InvalidInputException("expected rows >= 0 and cols > 0, got " + rows + "x" + cols);
        }
        if ((long) rows * cols != values.length) {
            throw new InvalidInputException(
                    "expected " + ((long) rows * cols) + " values for " + rows + "x" + cols + ", got " + values.length);
        }
        this.rows = rows;
        this.cols = cols;
        this.values = values;
    }

    /** Builds a matrix from rows of equal width (copying). */
    public static Matrix ofRows(float[][] data) {
        if (data.length == 0) {
            throw new InvalidInputException("expected at least one row, got none");
        }
        int cols = data[0].length;
        float[] flat = new float[data.length * cols];
        for (int i = 0; i < data.length; i++) {
            if (data[i].length != cols) {
                throw new InvalidInputException(
                        "expected " + cols + " columns in row " + i + ", got " + data[i].length);
            }
            System.arraycopy(data[i], 0, flat, i * cols, cols);
        }
        return new Matrix(data.length, cols, flat);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The backing array (row-major); callers must not modify it unless they own the matrix. */
    public float[] values() {
        return values;
    }

    public float get(int row, int col) {
        return values[row * cols + col];
    }

    public float[] row(int row) {
        return Arrays.copyOfRange(values, row * cols, (row + 1) * cols);
    }

    /** Column {@code col} as doubles (for statistics). */
    public double[] column(int col) {
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = values[i * cols + col];
        }
        return out;
    }

    /** Rows {@code [from, to)} as a new matrix (copy). */
    public Matrix slice(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new InvalidInputException("expected 0 <= from <= to <= " + rows + ", got [" + from + ", " + to + ")");
        }
        return new Matrix(to - from, cols, Arrays.copyOfRange(values, from * cols, to * cols));
    }

    /** The rows listed in {@code index}, in that order (copy). */
    public Matrix selectRows(int[] index) {
        float[] out = new float[index.length * cols];
        for (int i = 0; i < index.length; i++) {
            System.arraycopy(values, index[i] * cols, out, i * cols, cols);
        }
        return new Matrix(index.length, cols, out);
    }

    /** The columns listed in {@code index}, in that order (copy). */
    public Matrix selectColumns(int[] index) {
        float[] out = new float[rows * index.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < index.length; j++) {
                out[i * index.length + j] = values[i * cols + index[j]];
            }
        }
        return new Matrix(rows, index.length, out);
    }

    /** A seeded Fisher-Yates permutation of {@code 0..n-1}. */
    public static int[] permutation(int n, long seed) {
        int[] index = new int[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = index[i];
            index[i] = index[j];
            index[j] = t;
        }
        return index;
    }

    /**
     * Throws {@link InvalidInputException} naming the first row and column that holds NaN or an infinity.
     *
     * @param what how to name the source in the message, e.g. a file name
     */
    public void requireFinite(String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException(what + ": row " + (i / cols + 1) + ", column " + (i % cols + 1)
                        + ": expected a finite number, got " + values[i]);
            }
        }
    }
}
