package io.flowguard.ingest.nab;

import java.time.LocalDateTime;
import java.util.List;

/**
 * One NAB data file ({@code timestamp,value}) in file order.
 *
 * @param file the file relative to the corpus root, {@code category/name.csv}
 * @param timestamps the rows' times
 * @param values the rows' readings, finite
 */
public record NabSeries(String file, List<LocalDateTime> timestamps, double[] values) {

    public NabSeries {
        if (timestamps.size() != values.length) {
            throw new IllegalArgumentException("expected one value per row of " + file + ", got " + values.length
                    + " for " + timestamps.size() + " rows");
        }
        timestamps = List.copyOf(timestamps);
    }

    /** The times as epoch seconds of the series' own (local) clock. */
    public long[] epochSeconds() {
        long[] out = new long[timestamps.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = timestamps.get(i).toEpochSecond(java.time.ZoneOffset.UTC);
        }
        return out;
    }
}
