package io.flowguard.stream;

import io.flowguard.schemas.Event;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The feature rows of one batch in the scoring model's order, shared by both engines' adapters (Kafka Streams,
 * Flink) so that a fix lands once. A waiting event read on the fast path keeps its row when it was read for the same
 * feature names; any other (the slow path, or a model swapped in since) is decoded and validated against the model
 * now scoring, and an event that fails is handed to the caller's dead-letter callback with its reason.
 *
 * @param rows {@code valid.size() x d}, row-major
 * @param identities the identity of each valid event, in row order
 * @param valid the waiting items that made it into the batch, in row order
 */
public record BatchRows<T>(float[] rows, List<EventIdentity> identities, List<T> valid) {

    /** How the assembler reads one waiting item of an adapter. */
    public interface Access<T> {
        EventIdentity identity(T item);

        /** Its fast-path row, or null. */
        float[] row(T item);

        /** The feature names its row follows (null without a row). */
        String[] rowNames(T item);

        /** The event itself, decoded from its bytes. */
        Event decode(T item);
    }

    /** Receives an item that cannot be scored with the model's features. */
    public interface Rejects<T> {
        void reject(T item, Event event, RejectedEvent why);
    }

    public boolean isEmpty() {
        return valid.isEmpty();
    }

    public static <T> BatchRows<T> assemble(List<T> waiting, String[] names, Access<T> access, Rejects<T> rejects) {
        int d = names.length;
        float[] rows = new float[waiting.size() * d];
        float[] row = new float[d];
        List<EventIdentity> identities = new ArrayList<>(waiting.size());
        List<T> valid = new ArrayList<>(waiting.size());
        for (T item : waiting) {
            float[] fast = access.row(item);
            String[] fastNames = access.rowNames(item);
            if (fast != null && (fastNames == names || Arrays.equals(fastNames, names))) {
                System.arraycopy(fast, 0, rows, valid.size() * d, d);
            } else {
                Event e = access.decode(item);
                RejectedEvent rejected = EventRows.fill(e, names, row);
                if (rejected != null) {
                    rejects.reject(item, e, rejected);
                    continue;
                }
                System.arraycopy(row, 0, rows, valid.size() * d, d);
            }
            identities.add(access.identity(item));
            valid.add(item);
        }
        return new BatchRows<>(valid.size() == waiting.size() ? rows : Arrays.copyOf(rows, valid.size() * d),
                identities, valid);
    }
}
