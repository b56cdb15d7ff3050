package io.flowguard.stream;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.EventRowReader;
import java.time.Instant;
import java.util.Map;

/** What a score and an alert carry over from their event: id, entity key, event time and context. */
public record EventIdentity(String eventId, String key, Instant eventTime, Map<String, String> context) {

    public static EventIdentity of(Event e) {
        return new EventIdentity(e.getEventId(), e.getKey(), e.getEventTime(), e.getContext());
    }

    public static EventIdentity of(EventRowReader.Header h) {
        return new EventIdentity(h.eventId(), h.key(), Instant.ofEpochMilli(h.eventTimeMillis()), h.context());
    }
}
