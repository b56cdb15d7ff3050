package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;

/**
 * When a score becomes an alert. Low density alone is not enough: a flow can give an out-of-distribution input
 * (a stuck sensor reporting its long-run mean, a blank image) a <em>higher</em> likelihood than any real event,
 * because density is not typicality (Nalisnick et al., "Do Deep Generative Models Know What They Don't Know?",
 * ICLR 2019; "Detecting Out-of-Distribution Inputs to Deep Generative Models Using Typicality", 2019). Real events
 * from a d-dimensional model have {@code log p(x)} concentrated in a band; events above the band are as suspicious
 * as events below it. The policy therefore alerts on both tails of the held-out log-likelihood distribution, and on
 * latents that sit too close to the mode: for events from the model {@code ||z||^2} is chi-squared with d degrees
 * of freedom, so a norm in its lowest {@code lowLevel} tail is as unlikely as a density in the lowest tail.
 *
 * @param lowLevel held-out quantile below which an event is {@link Verdict#LOW_DENSITY} (e.g. 0.001)
 * @param highLevel held-out quantile above which an event is {@link Verdict#ATYPICALLY_HIGH_DENSITY} (e.g.
 *     0.9999); 1 disables the guard
 */
public record AlertPolicy(double lowLevel, double highLevel) {

    /** The outcome for one event. */
    public enum Verdict { NORMAL, LOW_DENSITY, ATYPICALLY_HIGH_DENSITY }

    public AlertPolicy {
        if (!(lowLevel > 0 && lowLevel < highLevel && highLevel <= 1)) {
            throw new FlowGuardException("expected 0 < low level < high level <= 1, got " + lowLevel + ", "
                    + highLevel);
        }
    }

    /** Alerts on the lowest 0.1% and the highest 0.01% of held-out log-likelihoods. */
    public static AlertPolicy defaults() {
        return new AlertPolicy(0.001, 0.9999);
    }

    /**
     * @param latentSquaredNorm {@code ||f(x)||^2}
     * @param features the event dimension d
     */
    public Verdict judge(double logLikelihood, double latentSquaredNorm, int features, Calibration calibration) {
        if (!(logLikelihood >= calibration.quantile(lowLevel))) {
            return Verdict.LOW_DENSITY;
        }
        if (highLevel < 1 && (logLikelihood > calibration.quantile(highLevel)
                || ChiSquared.cdf(latentSquaredNorm, features) < lowLevel)) {
            return Verdict.ATYPICALLY_HIGH_DENSITY;
        }
        return Verdict.NORMAL;
    }

    /** The verdict on event {@code i} of a scored batch. */
    public Verdict judge(ScoreBatch batch, int i, Calibration calibration) {
        return judge(batch.logLikelihood(i), batch.latentSquaredNorm(i), batch.features(), calibration);
    }
}
