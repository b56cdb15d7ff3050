package io.flowguard.retrainer;

import java.util.Map;

/**
 * What the validation gate decided about a candidate.
 *
 * @param approved true when every check passed
 * @param reason one line: what failed, or a summary of the passing checks
 * @param metrics the measured values (candidate and serving NLL on the holdout, alert counts, round-trip error), as
 *     they go into the release record
 */
public record GateVerdict(boolean approved, String reason, Map<String, Double> metrics) {}
