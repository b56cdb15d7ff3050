package io.flowguard.model.score;

import io.flowguard.model.FlowGuardException;

/**
 * When a score becomes an alert, set from a target false-alarm rate on normal data rather than from raw
 * log-likelihoods, so that the rule survives retraining.
 *
 * <p>Low density alone is not enough: a flow can give an out-of-distribution input (a sensor frozen at its
 * long-run mean, a bot repeating a card's median payment) a <em>higher</em> likelihood than real events, because
 * density is not typicality: in d dimensions almost all mass lies in a thin shell around the mode (Nalisnick et
 * al., "Do Deep Generative Models Know What They Don't Know?", ICLR 2019). The {@link Rule#GUARDED} rule therefore
 * splits the false-alarm budget {@code alpha} over four tests against the held-out {@link Calibration}:
 *
 * <ul>
 *   <li>{@link Verdict#LOW_DENSITY}: {@code log p(x)} in its lowest {@code alpha / 2};
 *   <li>{@link Verdict#HIGH_DENSITY_ATYPICAL}: {@code log p(x)} in its highest {@code alpha / 8} (too likely to be
 *       typical), or {@code log ||z||^2} in its lowest {@code alpha / 8} (the latent sits too close to the mode);
 *   <li>{@link Verdict#WINDOW_TYPICALITY}: over the key's last M events, the mean log-likelihood outside its
 *       bootstrap band ({@code alpha / 12} on each side: a stream that drifted or froze away from typical while each
 *       event looks fine), or their spread below its bootstrap floor ({@code alpha / 12}: the same score again and
 *       again, a frozen sensor or a bot).
 * </ul>
 *
 * {@link Rule#PLAIN} is the low-density test alone with the whole budget: the baseline the guards are measured
 * against. Each test is a tail of its reference distribution, so the false-alarm rate on normal data is at most
 * about {@code alpha} (less when the tests overlap).
 *
 * @param falseAlarmRate target share of normal events alerted, alpha, in [1e-12, 0.5)
 * @param rule plain or guarded
 */
public record AlertPolicy(double falseAlarmRate, Rule rule) {

    /** The outcome for one event. */
    public enum Verdict { NORMAL, LOW_DENSITY, HIGH_DENSITY_ATYPICAL, WINDOW_TYPICALITY }

    /** Which tests run. */
    public enum Rule { PLAIN, GUARDED }

    /** Default target: one false alarm in 10,000 normal events. */
    public static final double DEFAULT_FALSE_ALARM_RATE = 1e-4;

    /**
     * Smallest target false-alarm rate. The tests split the budget down to {@code alpha / 16}, and an upper tail
     * level {@code 1 - alpha / 16} must still differ from 1 in double precision (it stops at about 1e-16).
     */
    public static final double MIN_FALSE_ALARM_RATE = 1e-12;

    public AlertPolicy {
        if (!(falseAlarmRate >= MIN_FALSE_ALARM_RATE && falseAlarmRate < 0.5)) {
            throw new FlowGuardException("expected a false-alarm rate in [1e-12, 0.5), got " + falseAlarmRate);
        }
        if (rule == null) {
            throw new FlowGuardException("expected a rule (plain or guarded)");
        }
    }

    /** Guarded, one false alarm per 10,000 normal events. */
    public static AlertPolicy defaults() {
        return new AlertPolicy(DEFAULT_FALSE_ALARM_RATE, Rule.GUARDED);
    }

    /** The thresholds this policy sets on a model with {@code calibration} and {@code features} dimensions. */
    public Thresholds thresholds(Calibration calibration, int features) {
        return Thresholds.of(this, calibration, features);
    }
}
