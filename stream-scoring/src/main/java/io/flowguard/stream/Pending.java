package io.flowguard.stream;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * An event waiting for its batch, with where it came from (for a dead letter). Stored in the pending-events
 * store as {@code [topic length][topic][partition][offset][original bytes]}.
 */
record Pending(long id, Event event, byte[] payload, String topic, int partition, long offset) {

    byte[] write() {
        byte[] t = topic.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + t.length + 4 + 8 + payload.length).putInt(t.length).put(t).putInt(partition)
                .putLong(offset).put(payload).array();
    }

    static Pending read(long id, byte[] stored, WireCodec<Event> codec) {
        ByteBuffer in = ByteBuffer.wrap(stored);
        byte[] t = new byte[in.getInt()];
        in.get(t);
        int partition = in.getInt();
        long offset = in.getLong();
        byte[] payload = new byte[in.remaining()];
        in.get(payload);
        return new Pending(id, codec.decode(payload), payload, new String(t, StandardCharsets.UTF_8), partition,
                offset);
    }
}
