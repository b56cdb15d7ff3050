package io.flowguard.model.score;

import io.flowguard.model.score.AlertPolicy.Verdict;

/**
 * The decision on one event.
 *
 * @param verdict NORMAL or the reason for the alert
 * @param margin {@link Thresholds#margin}: positive when a per-event test alerts, larger = more anomalous
 * @param windowMean mean clipped log-likelihood of the key's window including this event, NaN until it is full
 */
public record Decision(Verdict verdict, double margin, double windowMean) {

    public boolean alert() {
        return verdict != Verdict.NORMAL;
    }

    /** Critical when a per-event test is far past its threshold, else a warning. */
    public boolean critical() {
        return Thresholds.critical(margin);
    }
}
