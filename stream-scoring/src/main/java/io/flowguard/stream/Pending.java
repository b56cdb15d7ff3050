package io.flowguard.stream;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An event waiting for its batch in slot {@code slot} of batch {@code generation}, with where it came from (for a
 * dead letter). {@code row} holds its features in the order {@code rowNames} when the fast path read them, else
 * null (the flush then decodes the payload and validates it against the model of the moment). Stored in the
 * {@link PendingEventsStore} under the slot as
 * {@code [generation][topic length][topic][partition][offset][original bytes]}.
 */
record Pending(long slot, long generation, EventIdentity identity, float[] row, String[] rowNames, byte[] payload,
        String topic, int partition, long offset) {

    byte[] write() {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + 4 + t.length + 4 + 8 + payload.length).putLong(generation).putInt(t.length)
                .put(t).putInt(partition).putLong(offset).put(payload).array();
    }

    static Pending read(long slot, byte[] stored, WireCodec<Event> codec) {
        ByteBuffer in = ByteBuffer.wrap(stored);
        long generation = in.getLong();
        byte[] t = new byte[in.getInt()];
        in.get(t);
        int partition = in.getInt();
        long offset = in.getLong();
        byte[] payload = new byte[in.remaining()];
        in.get(payload);
        return new Pending(slot, generation, EventIdentity.of(codec.decode(payload)), null, null, payload, new String(t, StandardCharsets.UTF_8), partition,
                offset);
    }
}
