package io.flowguard.stream;

import io.flowguard.schemas.DeadLetterReason;
import io.flowguard.schemas.Event;
import java.util.Map;

/** Turns an {@link Event}'s named features into a row in the model's feature order, or says why it cannot. */
public final class EventRows {

    private EventRows() {}

    /**
     * @param names the model's feature names, in order
     * @param row receives the values (length {@code names.length})
     * @return null when the row is filled, otherwise the rejection
     */
    public static RejectedEvent fill(Event event, String[] names, float[] row) {
        Map<String, Double> features = event.getFeatures();
        for (int i = 0; i < names.length; i++) {
            Double value = features.get(names[i]);
            if (value == null) {
                return new RejectedEvent(DeadLetterReason.WRONG_FEATURES, "event " + event.getEventId()
                        + ": expected feature '" + names[i] + "', got only " + features.keySet());
            }
            float v = value.floatValue();
            if (!Float.isFinite(v)) {
                return new RejectedEvent(DeadLetterReason.NON_FINITE, "event " + event.getEventId() + ": feature '"
                        + names[i] + "' is " + value + (Double.isFinite(value) ? " (beyond float range)" : ""));
            }
            row[i] = v;
        }
        if (features.size() != names.length) {
            return new RejectedEvent(DeadLetterReason.WRONG_FEATURES, "event " + event.getEventId() + ": expected "
                    + names.length + " features, got " + features.size() + " " + features.keySet());
        }
        return null;
    }
}
