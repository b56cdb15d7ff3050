package io.flowguard.ingest.nab;

import java.time.LocalDateTime;
import java.util.List;

/**
 * A detector's output on one NAB file: the rows' timestamps in file order and one anomaly score in [0, 1] per row.
 *
 * @param file the data file relative to the corpus root, {@code category/name.csv} (the key of the windows file)
 */
public record ScoredSeries(String file, List<LocalDateTime> timestamps, double[] scores) {

    public ScoredSeries {
        if (timestamps.size() != scores.length) {
            throw new IllegalArgumentException("expected one score per row of " + file + ", got " + scores.length
                    + " for " + timestamps.size() + " rows");
        }
        timestamps = List.copyOf(timestamps);
    }
}
