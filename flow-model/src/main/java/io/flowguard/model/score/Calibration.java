package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;
import java.util.Arrays;

/**
 * What held-out normal data looks like to a trained flow, stored in its checkpoint so that alert thresholds are set
 * from a target false-alarm rate rather than from raw log-likelihoods, and survive retraining. Three reference
 * distributions, each an {@link EmpiricalDistribution} with fitted tails:
 *
 * <ul>
 *   <li>{@code log p(x)} of held-out events (both tails: low density, and the too-likely side of the
 *       high-density paradox);
 *   <li>{@code log ||f(x)||^2}, the latent norm (for events from the model {@code ||z||^2} is chi-squared with d
 *       degrees of freedom; the held-out distribution is used because real data never quite is);
 *   <li>the mean of {@code log p(x)} over a window of {@code window} events drawn in blocks of consecutive events
 *       of one entity, or without entities of the one stream (a moving-block bootstrap, {@link WindowCalibration}):
 *       the typicality test of Nalisnick et al., "Detecting
 *       Out-of-Distribution Inputs to Deep Generative Models Using Typicality" (2019), which bounds the window mean
 *       around the entropy estimate. Values enter windows clipped to {@code [windowClipLow, windowClipHigh]}, the
 *       held-out 0.1 % and 99.9 % quantiles, so that one spike does not drag a whole window out of its band;
 *   <li>the log standard deviation of the clipped log-likelihoods in such a window: a frozen
 *       sensor or a bot repeating one transaction gives the same score again and again, a window with no spread,
 *       however typical its mean;
 *   <li>runs: two events of a key whose log-likelihoods differ by less than {@code runDelta} (the held-out 1 %
 *       quantile of the difference between two events of one entity) are a repeat; {@code runTail[r - 1]} is the
 *       share of normal events whose run of repeats has reached r, counted in each entity's events in time order
 *       (null: too few events per entity to say, and the run test is off). A bot repeating a transaction or a frozen
 *       sensor repeats at once, long before a window fills.
 * </ul>
 *
 * <p>The first five components are the format-1 summary (mean, standard deviation and a few quantiles); checkpoints
 * written before the reference distributions existed carry only those, and {@link #hasDistributions()} is false.
 *
 * @param mean mean held-out log-likelihood (the entropy estimate, negated), nats
 * @param std its standard deviation, nats (> 0)
 * @param levels quantile levels, ascending in (0, 1)
 * @param quantiles held-out log-likelihood at those levels, nats
 * @param events number of held-out events it was fitted on
 * @param logLikelihoods held-out {@code log p(x)}, or null in format-1 calibrations
 * @param logLatentNorms held-out {@code log ||z||^2}, or null
 * @param window events per typicality window M (0: no window test)
 * @param windowClipLow lower clip of values entering a window
 * @param windowClipHigh upper clip of values entering a window
 * @param windowMeans bootstrap distribution of the window mean of clipped log-likelihoods, or null
 * @param windowLogSds bootstrap distribution of the log standard deviation in a window, or null
 * @param runDelta largest difference between two log-likelihoods that counts as a repeat
 * @param runTail probability of r repeats in a row for r = 1, 2, ..., or null
 * @param latentDegrees degrees of freedom of {@code ||z||^2} on normal data: the non-constant features (a constant
 *     feature's latent is always 0); 0 when unknown (checkpoints written before it: every feature counts)
 */
public record Calibration(double mean, double std, double[] levels, double[] quantiles, long events,
        EmpiricalDistribution logLikelihoods, EmpiricalDistribution logLatentNorms, int window, double windowClipLow,
        double windowClipHigh, EmpiricalDistribution windowMeans, EmpiricalDistribution windowLogSds,
        double runDelta, double[] runTail, int latentDegrees) {

    /** Default events per typicality window. */
    public static final int DEFAULT_WINDOW = 32;
    private static final double[] DEFAULT_LEVELS = {0.0001, 0.001, 0.01, 0.05, 0.5, 0.95, 0.99, 0.999, 0.9999};

    public Calibration {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new FlowGuardException("expected a finite calibration mean and std > 0, got " + mean + ", " + std);
        }
        if (levels.length != quantiles.length) {
            throw new FlowGuardException("expected one quantile per level, got " + levels.length + " levels and "
                    + quantiles.length + " quantiles");
        }
        if (window < 0 || (window > 0 && (windowMeans == null || windowLogSds == null))) {
            throw new FlowGuardException("expected a window of >= 0 events with its bootstrap distribution, got "
                    + window);
        }
        if (latentDegrees < 0) {
            throw new FlowGuardException("expected latent degrees of freedom >= 0 (0: unknown), got "
                    + latentDegrees);
        }
        levels = levels.clone();
        quantiles = quantiles.clone();
        runTail = runTail == null ? null : runTail.clone();
    }

    /** Without a count of latent degrees of freedom (every feature counts, as in checkpoints written before it). */
    public Calibration(double mean, double std, double[] levels, double[] quantiles, long events,
            EmpiricalDistribution logLikelihoods, EmpiricalDistribution logLatentNorms, int window,
            double windowClipLow, double windowClipHigh, EmpiricalDistribution windowMeans,
            EmpiricalDistribution windowLogSds, double runDelta, double[] runTail) {
        this(mean, std, levels, quantiles, events, logLikelihoods, logLatentNorms, window, windowClipLow,
                windowClipHigh, windowMeans, windowLogSds, runDelta, runTail, 0);
    }

    /**
     * The same calibration for a model whose {@code ||z||^2} has {@code degrees} degrees of freedom on normal data:
     * its non-constant features. Constant features pass through with a latent of exactly 0 and add nothing to the
     * norm, so counting them would give the chi-squared tail below the held-out anchor the wrong shape
     * ({@code t^(d/2)}), and the latent-norm guard several times its share of alarms.
     */
    public Calibration withLatentDegrees(int degrees) {
        return new Calibration(mean, std, levels, quantiles, events, logLikelihoods, logLatentNorms, window,
                windowClipLow, windowClipHigh, windowMeans, windowLogSds, runDelta, runTail, degrees);
    }

    /** The latent norm's degrees of freedom for a model of {@code features} features. */
    public int latentDegrees(int features) {
        return latentDegrees > 0 ? latentDegrees : features;
    }

    /** Fewer held-out events than this give the summary alone (no tails, no window tests). */
    static final int MIN_DISTRIBUTION_EVENTS = 10;

    /** Fits the log-likelihood summary alone (no latent norms, no window test). */
    public static Calibration fit(float[] logLikelihoods) {
        return fit(logLikelihoods, null, 0, 0);
    }

    /**
     * Fits all reference distributions to held-out scores.
     *
     * @param logLikelihoods held-out {@code log p(x)}; non-finite values are ignored; at least 10 finite
     * @param latentSquaredNorms held-out {@code ||z||^2} of the same events, or null
     * @param window events per typicality window, 0 for none
     * @param seed seeds the bootstrap
     */
    public static Calibration fit(float[] logLikelihoods, float[] latentSquaredNorms, int window, long seed) {
        return fit(logLikelihoods, latentSquaredNorms, window, seed, null);
    }

    /**
     * As {@link #fit(float[], float[], int, long)}, with the entity (sensor, card) of each held-out event: then each
     * bootstrap window draws its M values from the events of one entity (picked with probability proportional to
     * its events), a cluster bootstrap. Entities differ (a card with a habitually large amount always sits lower in
     * density), and windows run per entity, so their means spread more than an i.i.d. bootstrap says; without this
     * a habitually unusual entity would be flagged window after window.
     *
     * @param keys one entity per held-out event, or null for one stream
     */
    public static Calibration fit(float[] logLikelihoods, float[] latentSquaredNorms, int window, long seed,
            String[] keys) {
        return fit(logLikelihoods, latentSquaredNorms, window, seed, logLikelihoods, keys);
    }

    /**
     * As above, with the window means calibrated on {@code windowSample} by entity: more events per entity than the
     * held-out slice has (a few per card when there are thousands of cards) keep the cluster bootstrap from
     * mistaking the noise of a three-event mean for a difference between entities.
     *
     * @param windowSample log-likelihoods in time order, for the window bootstrap and the runs
     * @param keys one entity per value of {@code windowSample}, or null for one stream
     */
    public static Calibration fit(float[] logLikelihoods, float[] latentSquaredNorms, int window, long seed,
            float[] windowSample, String[] keys) {
        if (keys != null && keys.length != windowSample.length) {
            throw new FlowGuardException("expected one key per window calibration event, got " + keys.length
                    + " keys for " + windowSample.length + " events");
        }
        double[] v = finite(logLikelihoods);
        int n = v.length;
        if (n < 2) {
            throw new FlowGuardException("expected at least 2 finite held-out log-likelihoods, got " + n);
        }
        Arrays.sort(v);
        double mean = Arrays.stream(v).average().orElseThrow();
        double var = Arrays.stream(v).map(x -> (x - mean) * (x - mean)).sum() / (n - 1);
        if (n < MIN_DISTRIBUTION_EVENTS) {
            // Too few to fit tails: the format-1 summary only (fixed quantile levels, no window tests).
            double[] q = new double[DEFAULT_LEVELS.length];
            for (int i = 0; i < q.length; i++) {
                double pos = DEFAULT_LEVELS[i] * (n - 1);
                int lo = (int) Math.floor(pos);
                q[i] = v[lo] + (pos - lo) * (v[Math.min(n - 1, lo + 1)] - v[lo]);
            }
            return new Calibration(mean, Math.max(Math.sqrt(var), 1e-9), DEFAULT_LEVELS, q, n, null, null, 0, 0, 0,
                    null, null, 0, null);
        }
        EmpiricalDistribution ll = EmpiricalDistribution.fit(v);
        double[] q = new double[DEFAULT_LEVELS.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = ll.quantile(DEFAULT_LEVELS[i]);
        }
        EmpiricalDistribution norms = null;
        if (latentSquaredNorms != null) {
            double[] logs = finite(latentSquaredNorms);
            for (int i = 0; i < logs.length; i++) {
                logs[i] = Math.log(Math.max(logs[i], Double.MIN_NORMAL));
            }
            norms = EmpiricalDistribution.fit(logs);
        }
        double clipLow = ll.quantile(0.001);
        double clipHigh = ll.quantile(0.999);
        if (window == 0) {
            return new Calibration(mean, Math.max(Math.sqrt(var), 1e-9), DEFAULT_LEVELS, q, n, ll, norms, 0, clipLow,
                    clipHigh, null, null, 0, null);
        }
        WindowCalibration.Fitted w = WindowCalibration.fit(windowSample, keys, window, seed, clipLow, clipHigh, v);
        return new Calibration(mean, Math.max(Math.sqrt(var), 1e-9), DEFAULT_LEVELS, q, n, ll, norms, window,
                clipLow, clipHigh, w.means(), w.logSds(), w.runDelta(), w.runTail());
    }

    /** The shortest run of repeats whose probability on normal data is at most {@code p} (0 when none is). */
    public int runLength(double p) {
        if (runTail == null) {
            return 0;
        }
        for (int r = 0; r < runTail.length; r++) {
            if (runTail[r] <= p) {
                return r + 1;
            }
        }
        return 0;
    }

    private static double[] finite(float[] values) {
        double[] v = new double[values.length];
        int n = 0;
        for (float x : values) {
            if (Float.isFinite(x)) {
                v[n++] = x;
            }
        }
        return Arrays.copyOf(v, n);
    }

    /** Whether the reference distributions are present (checkpoints since the guarded decision layer). */
    public boolean hasDistributions() {
        return logLikelihoods != null;
    }

    /** {@code (logLikelihood - mean) / std}: negative = less likely than typical, positive = more likely. */
    public double typicality(double logLikelihood) {
        return (logLikelihood - mean) / std;
    }

    /** The value a log-likelihood enters a typicality window as. */
    public double clipForWindow(double logLikelihood) {
        return Double.isNaN(logLikelihood) ? windowClipLow
                : Math.min(windowClipHigh, Math.max(windowClipLow, logLikelihood));
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
                && Arrays.equals(c.quantiles, quantiles) && c.events == events
                && java.util.Objects.equals(c.logLikelihoods, logLikelihoods)
                && java.util.Objects.equals(c.logLatentNorms, logLatentNorms) && c.window == window
                && java.util.Objects.equals(c.windowMeans, windowMeans) && c.latentDegrees == latentDegrees;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new double[] {mean, std, events, window}) * 31 + Arrays.hashCode(quantiles);
    }

    @Override
    public String toString() {
        return "Calibration[mean=" + mean + ", std=" + std + ", events=" + events + ", window=" + window + "]";
    }
}
