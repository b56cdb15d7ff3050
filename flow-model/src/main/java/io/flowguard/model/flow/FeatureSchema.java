package io.flowguard.model.flow;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.InvalidInputException;
import io.flowguard.model.data.Matrix;
import java.util.Arrays;
import java.util.List;

/**
 * The model's input contract: feature names in order and each feature's fitted preprocessing. Fitted on training
 * data only ({@link #fit}); stored in checkpoints.
 */
public record FeatureSchema(List<FeatureSpec> features) {

    /** Largest integer a float32 holds exactly; beyond it "integer-valued" says nothing. */
    private static final double FLOAT_EXACT_INTEGER = 1 << 24;
    private static final double DEQUANTIZATION_VARIANCE = 1.0 / 12.0;
    private static final double LATTICE_TOLERANCE = 1e-2;
    private static final double MAX_LATTICE_POINTS = 1e6;
    private static final double CONSTANT_RELATIVE_SCALE = 1e-3;

    public FeatureSchema {
        if (features == null || features.isEmpty()) {
            throw new FlowGuardException("expected at least one feature, got none");
        }
        features = List.copyOf(features);
    }

    public int size() {
        return features.size();
    }

    public String[] names() {
        return features.stream().map(FeatureSpec::name).toArray(String[]::new);
    }

    public FeatureSpec get(int i) {
        return features.get(i);
    }

    public boolean[] mask(FeatureKind kind) {
        boolean[] out = new boolean[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = features.get(i).kind() == kind;
        }
        return out;
    }

    /** Each feature's lattice step (0 for non-discrete features): the dequantisation noise widths. */
    public float[] quanta() {
        float[] out = new float[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = features.get(i).quantum();
        }
        return out;
    }

    public boolean anyHeavyTail() {
        return features.stream().anyMatch(FeatureSpec::heavyTail);
    }

    /**
     * Fits preprocessing to training data.
     *
     * @param data training events (finite values)
     * @param names one name per column
     */
    public static FeatureSchema fit(Matrix data, String[] names, PreprocessingOptions options) {
        if (names.length != data.cols()) {
            throw new InvalidInputException("expected " + data.cols() + " feature names, got " + names.length);
        }
        if (data.rows() < 2) {
            throw new InvalidInputException("expected at least 2 training rows, got " + data.rows());
        }
        FeatureSpec[] specs = new FeatureSpec[names.length];
        for (int j = 0; j < names.length; j++) {
            specs[j] = fitColumn(names[j], data.column(j), options);
        }
        return new FeatureSchema(Arrays.asList(specs));
    }

    private static FeatureSpec fitColumn(String name, double[] v, PreprocessingOptions options) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        boolean integral = true;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
            integral &= x == Math.rint(x) && Math.abs(x) < FLOAT_EXACT_INTEGER;
        }
        if (min == max) {
            double scale = integral ? Math.sqrt(DEQUANTIZATION_VARIANCE)
                    : CONSTANT_RELATIVE_SCALE * Math.max(1.0, Math.abs(min));
            return new FeatureSpec(name, FeatureKind.CONSTANT, 0f, (float) min, (float) scale, false, 0f, 1f);
        }
        double quantum = options.dequantize() ? latticeStep(v, min, max) : 0;
        FeatureKind kind = quantum > 0 ? FeatureKind.DISCRETE : FeatureKind.CONTINUOUS;
        double extraVariance = quantum * quantum * DEQUANTIZATION_VARIANCE;
        Moments m = Moments.of(v);
        boolean heavy = switch (options.heavyTail()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> Math.abs(m.skewness()) > options.skewnessThreshold()
                    || m.excessKurtosis() > options.kurtosisThreshold();
        };
        if (!heavy) {
            double std = Math.sqrt(m.variance() + extraVariance);
            return new FeatureSpec(name, kind, (float) quantum, (float) m.mean(), (float) std, false, 0f, 1f);
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        double median = quantile(sorted, 0.5);
        double scale = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349;
        if (!(scale > 0)) {
            scale = Math.sqrt(m.variance() + extraVariance);
        }
        double[] compressed = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            compressed[i] = asinh((v[i] - median) / scale);
        }
        Moments post = Moments.of(compressed);
        double postScale = post.variance() > 0 ? Math.sqrt(post.variance()) : 1.0;
        return new FeatureSpec(name, kind, (float) quantum, (float) median, (float) scale, true, (float) post.mean(),
                (float) postScale);
    }

    /**
     * The step of the lattice {@code min + k * step} that holds every value, when there is one and values repeat
     * (integers, counts, standardised integer data); 0 for continuous features. The step is the smallest gap
     * between distinct values, and every value must sit within 1% of a step of a lattice point.
     */
    static double latticeStep(double[] v, double min, double max) {
        double[] distinct = Arrays.stream(v).sorted().distinct().toArray();
        if (distinct.length >= v.length) {
            return 0;
        }
        double step = Double.POSITIVE_INFINITY;
        for (int i = 1; i < distinct.length; i++) {
            step = Math.min(step, distinct[i] - distinct[i - 1]);
        }
        if (!(step > 0) || (max - min) / step > MAX_LATTICE_POINTS) {
            return 0;
        }
        for (double x : distinct) {
            double k = (x - min) / step;
            if (Math.abs(k - Math.rint(k)) > LATTICE_TOLERANCE) {
                return 0;
            }
        }
        return step;
    }

    static double asinh(double x) {
        return Math.copySign(StrictMath.log(Math.abs(x) + Math.sqrt(x * x + 1)), x);
    }

    /** Linear-interpolation quantile of sorted data. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Mean, variance, skewness and excess kurtosis (population moments). */
    record Moments(double mean, double variance, double skewness, double excessKurtosis) {
        static Moments of(double[] v) {
            double mean = 0;
            for (double x : v) {
                mean += x;
            }
            mean /= v.length;
            double m2 = 0;
            double m3 = 0;
            double m4 = 0;
            for (double x : v) {
                double c = x - mean;
                double c2 = c * c;
                m2 += c2;
                m3 += c2 * c;
                m4 += c2 * c2;
            }
            m2 /= v.length;
            m3 /= v.length;
            m4 /= v.length;
            double skew = m2 > 0 ? m3 / StrictMath.pow(m2, 1.5) : 0;
            double kurt = m2 > 0 ? m4 / (m2 * m2) - 3 : 0;
            return new Moments(mean, m2, skew, kurt);
        }
    }
}
