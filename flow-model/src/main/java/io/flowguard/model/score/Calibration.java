package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;
import java.util.Arrays;

/**
 * The distribution of {@code log p(x)} on held-out normal data, the reference for typicality (Nalisnick et al.,
 * "Detecting Out-of-Distribution Inputs to Deep Generative Models Using Typicality", 2019): an event whose
 * log-likelihood is far from what held-out data typically gets is atypical in either direction; far above it is the
 * high-density paradox (a stuck sensor near the mean), far below it an ordinary low-density outlier.
 *
 * @param mean mean held-out log-likelihood, nats
 * @param std its standard deviation, nats (> 0)
 * @param levels quantile levels, ascending in (0, 1)
 * @param quantiles held-out log-likelihood at those levels, nats
 * @param events number of held-out events it was fitted on
 */
public record Calibration(double mean, double std, double[] levels, double[] quantiles, long events) {

    private static final double[] DEFAULT_LEVELS = {0.0001, 0.001, 0.01, 0.05, 0.5, 0.95, 0.99, 0.999, 0.9999};

    public Calibration {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new FlowGuardException("expected a finite calibration mean and std > 0, got " + mean + ", " + std);
        }
        if (levels.length != quantiles.length) {
            throw new FlowGuardException("expected one quantile per level, got " + levels.length + " levels and "
                    + quantiles.length + " quantiles");
        }
        levels = levels.clone();
        quantiles = quantiles.clone();
    }

    /** Fits the calibration to held-out log-likelihoods (finite ones; at least two). */
    public static Calibration fit(float[] logLikelihoods) {
        double[] v = new double[logLikelihoods.length];
        int n = 0;
        for (float x : logLikelihoods) {
            if (Float.isFinite(x)) {
                v[n++] = x;
            }
        }
        if (n < 2) {
            throw new FlowGuardException("expected at least 2 finite held-out log-likelihoods, got " + n);
        }
        v = Arrays.copyOf(v, n);
        Arrays.sort(v);
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (n - 1);
        double[] q = new double[DEFAULT_LEVELS.length];
        for (int i = 0; i < q.length; i++) {
            double pos = DEFAULT_LEVELS[i] * (n - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(n - 1, lo + 1);
            q[i] = v[lo] + (pos - lo) * (v[hi] - v[lo]);
        }
        return new Calibration(mean, Math.max(Math.sqrt(var), 1e-9), DEFAULT_LEVELS, q, n);
    }

    /** {@code (logLikelihood - mean) / std}: negative = less likely than typical, positive = more likely. */
    public double typicality(double logLikelihood) {
        return (logLikelihood - mean) / std;
    }

    /** The held-out log-likelihood at quantile {@code level} (must be one of {@link #levels}). */
    public double quantile(double level) {
        for (int i = 0; i < levels.length; i++) {
            if (levels[i] == level) {
                return quantiles[i];
            }
        }
        throw new FlowGuardException("expected one of the calibrated levels " + Arrays.toString(levels)
                + ", got " + level);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Calibration c && c.mean == mean && c.std == std && Arrays.equals(c.levels, levels)
                && Arrays.equals(c.quantiles, quantiles) && c.events == events;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new double[] {mean, std, events}) * 31 + Arrays.hashCode(quantiles);
    }

    @Override
    public String toString() {
        return "Calibration[mean=" + mean + ", std=" + std + ", events=" + events + "]";
    }
}
