package io.flowguard.ingest.nab;

import java.time.LocalDateTime;

/** A labelled anomaly window of one NAB file, both ends included. */
public record AnomalyWindow(LocalDateTime start, LocalDateTime end) {

    public AnomalyWindow {
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("expected a window that ends after it starts, got " + start + " .. "
                    + end);
        }
    }
}
