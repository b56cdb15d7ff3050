package io.flowguard.model.score;

import java.nio.ByteBuffer;

/**
 * The last M (clipped) log-likelihoods of one key, with their running sum and the current run of repeats: the state
 * of the window typicality tests
 * ({@link Calibration}, {@link Thresholds#judgeWindow}). Small and serialisable, so a stream processor can keep one
 * per key in a state store: {@link #toBytes} / {@link #fromBytes}, version byte first. The window remembers which
 * model filled it; values of another model version are on another scale, so a swap starts the window afresh.
 */
public final class TypicalityWindow {

    private static final byte FORMAT = 1;

    private final float[] values;
    private String model;
    private int count;
    private int next;
    private double sum;
    private float last = Float.NaN;
    private int run;

    public TypicalityWindow(int size, String model) {
        if (size < 1) {
            throw new IllegalArgumentException("expected a window of at least 1 event, got " + size);
        }
        this.values = new float[size];
        this.model = model;
    }

    /**
     * Adds one event's log-likelihood, clipped by {@code calibration}, scored by {@code modelVersion}.
     *
     * @return the window mean when the window is full, else NaN
     */
    public double add(double logLikelihood, Calibration calibration, String modelVersion) {
        if (!modelVersion.equals(model)) {
            model = modelVersion;
            count = 0;
            next = 0;
            sum = 0;
            last = Float.NaN;
            run = 0;
        }
        run = Math.abs(logLikelihood - last) < calibration.runDelta() ? run + 1 : 0;
        last = (float) logLikelihood;
        float v = (float) calibration.clipForWindow(logLikelihood);
        if (count == values.length) {
            sum -= values[next];
        } else {
            count++;
        }
        values[next] = v;
        sum += v;
        next = (next + 1) % values.length;
        if (next == 0) {
            sum = exactSum(); // keep rounding error from building up over a long stream
        }
        return count == values.length ? sum / count : Double.NaN;
    }

    /** How many events in a row repeated the previous one's log-likelihood (within the calibration's delta). */
    public int run() {
        return run;
    }

    /** The log standard deviation of the window's values when it is full, else NaN. */
    public double logSd() {
        return count == values.length ? logSd(values, count) : Double.NaN;
    }

    /** {@code log sd} of the first {@code n} values (floored at 1e-6 nats: frozen streams give exactly 0). */
    static double logSd(float[] values, int n) {
        double mean = 0;
        for (int i = 0; i < n; i++) {
            mean += values[i];
        }
        mean /= n;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (values[i] - mean) * (values[i] - mean);
        }
        return 0.5 * Math.log(Math.max(ss / (n - 1), 1e-12));
    }

    private double exactSum() {
        double s = 0;
        for (int i = 0; i < count; i++) {
            s += values[i];
        }
        return s;
    }

    public int size() {
        return values.length;
    }

    public byte[] toBytes() {
        byte[] name = model.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + 4 + 4 + 4 + 4 + 2 + name.length + 4 * count);
        b.put(FORMAT).putInt(values.length).putInt(count).putInt(next).putFloat(last).putInt(run)
                .putShort((short) name.length).put(name);
        for (int i = 0; i < count; i++) {
            b.putFloat(values[i]);
        }
        return b.array();
    }

    /**
     * Restores a window; a stored window of another size starts empty.
     *
     * @throws IllegalArgumentException on an unknown format version
     */
    public static TypicalityWindow fromBytes(byte[] bytes, int size, String model) {
        if (bytes == null) {
            return new TypicalityWindow(size, model);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalArgumentException("expected typicality window format " + FORMAT + ", got " + format);
        }
        int storedSize = b.getInt();
        int count = b.getInt();
        int next = b.getInt();
        float last = b.getFloat();
        int run = b.getInt();
        byte[] name = new byte[b.getShort()];
        b.get(name);
        TypicalityWindow w = new TypicalityWindow(size, new String(name, java.nio.charset.StandardCharsets.UTF_8));
        w.last = last;
        w.run = run;
        if (storedSize != size) {
            return w;
        }
        for (int i = 0; i < count; i++) {
            w.values[i] = b.getFloat();
        }
        w.count = count;
        w.next = next;
        w.sum = w.exactSum();
        return w;
    }
}
