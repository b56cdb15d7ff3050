package io.flowguard.ingest.synthetic;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded synthetic readings of a pump station: eight correlated sensors driven by a hidden load and the ambient
 * temperature, some of them non-linearly (pressure grows with the square of the load, power with its 1.5th power,
 * vibration is log-normal). Anomalies of known kinds can be injected so that detectors can be scored:
 *
 * <ul>
 *   <li>{@link Kind#SPIKE}: one sensor jumps by 6 to 10 of its standard deviations;
 *   <li>{@link Kind#BROKEN_CORRELATION}: flow and rpm follow a different load than current and power
 *       (cavitation, a slipping coupling): every value alone is normal, the combination is not;
 *   <li>{@link Kind#STUCK}: the station freezes at its nominal set-point, the noise-free reading at average
 *       load and temperature. That is the point of highest density: a density threshold cannot catch it; a
 *       typicality guard can (the high-density out-of-distribution paradox).
 * </ul>
 */
public final class PumpStationSimulator {

    /** What produced a reading. */
    public enum Kind { NORMAL, SPIKE, BROKEN_CORRELATION, STUCK }

    /** One reading: sensor values in {@link #SENSORS} order and its ground truth. */
    public record Reading(long index, float[] values, Kind kind) {}

    public static final List<String> SENSORS = List.of("flow_m3h", "pressure_bar", "current_a", "motor_temp_c",
            "vibration_mms", "power_kw", "ambient_temp_c", "rpm");

    private static final double[] SPIKE_SD = {3, 0.1, 0.5, 1, 0.15, 1, 0.3, 10};

    private final SplittableRandom random;
    private final double anomalyRate;
    private final Kind[] injected;
    private long index;
    private double ambientOffset;

    /**
     * @param seed fixes the whole sequence
     * @param anomalyRate share of readings replaced by an anomaly, 0 for clean training data
     */
    public PumpStationSimulator(long seed, double anomalyRate) {
        this(seed, anomalyRate, Kind.SPIKE, Kind.BROKEN_CORRELATION, Kind.STUCK);
    }

    /**
     * @param injected the anomaly kinds to draw from (equally likely)
     */
    public PumpStationSimulator(long seed, double anomalyRate, Kind... injected) {
        if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
            throw new IllegalArgumentException("expected an anomaly rate in [0, 1], got " + anomalyRate);
        }
        if (injected.length == 0 || java.util.Arrays.asList(injected).contains(Kind.NORMAL)) {
            throw new IllegalArgumentException("expected at least one anomaly kind other than NORMAL, got "
                    + java.util.Arrays.toString(injected));
        }
        this.random = new SplittableRandom(seed);
        this.anomalyRate = anomalyRate;
        this.injected = injected.clone();
    }

    /**
     * Shifts the ambient temperature of every later reading by {@code celsius} (a season: motor temperature,
     * current and the ambient sensor follow). Not an anomaly: readings keep their NORMAL label.
     */
    public void season(double celsius) {
        ambientOffset = celsius;
    }

    public int features() {
        return SENSORS.size();
    }

    public Reading next() {
        long i = index++;
        if (random.nextDouble() >= anomalyRate) {
            return new Reading(i, normal(load(i), ambient(i)), Kind.NORMAL);
        }
        Kind kind = injected[random.nextInt(injected.length)];
        float[] v;
        switch (kind) {
            case SPIKE -> {
                v = normal(load(i), ambient(i));
                int s = random.nextInt(v.length);
                double size = (6 + 4 * random.nextDouble()) * SPIKE_SD[s] * (random.nextBoolean() ? 1 : -1);
                v[s] += (float) size;
            }
            case BROKEN_CORRELATION -> {
                double t = ambient(i);
                float[] a = normal(load(i), t);
                float[] b = normal(clamp(1.0 - load(i)), t);
                v = a;
                v[0] = b[0];
                v[7] = b[7];
            }
            default -> v = setPoint();
        }
        return new Reading(i, v, kind);
    }

    /** {@code n} readings as rows. */
    public Reading[] take(int n) {
        Reading[] out = new Reading[n];
        for (int k = 0; k < n; k++) {
            out[k] = next();
        }
        return out;
    }

    private double load(long i) {
        return clamp(0.55 + 0.25 * StrictMath.sin(2 * StrictMath.PI * i / 1440.0) + 0.12 * random.nextGaussian());
    }

    private double ambient(long i) {
        return 20 + ambientOffset + 4 * StrictMath.sin(2 * StrictMath.PI * i / 1440.0 - 1)
                + 1.5 * random.nextGaussian();
    }

    private static double clamp(double load) {
        return Math.max(0.05, Math.min(1.0, load));
    }

    private float[] normal(double load, double ambient) {
        return new float[] {
            (float) (100 * load + 3 * random.nextGaussian()),
            (float) (2 + 3 * load * load + 0.1 * random.nextGaussian()),
            (float) (10 + 25 * load + 0.1 * (ambient - 20) + 0.5 * random.nextGaussian()),
            (float) (ambient + 30 * load + random.nextGaussian()),
            (float) StrictMath.exp(StrictMath.log(0.5 + load) + 0.2 * random.nextGaussian()),
            (float) (5 + 40 * StrictMath.pow(load, 1.5) + random.nextGaussian()),
            (float) (ambient + 0.3 * random.nextGaussian()),
            (float) (1500 + 1000 * load + 10 * random.nextGaussian()),
        };
    }

    /** The noise-free reading at average load (0.55) and ambient temperature (20 C). */
    public static float[] setPoint() {
        double load = 0.55;
        double ambient = 20;
        return new float[] {
            (float) (100 * load), (float) (2 + 3 * load * load), (float) (10 + 25 * load),
            (float) (ambient + 30 * load), (float) (0.5 + load), (float) (5 + 40 * StrictMath.pow(load, 1.5)),
            (float) ambient, (float) (1500 + 1000 * load),
        };
    }
}
