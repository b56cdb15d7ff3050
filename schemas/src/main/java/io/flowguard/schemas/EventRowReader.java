package io.flowguard.schemas;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * The scorer's fast path for {@link Event} bytes: reads a record written with the current schema straight into a
 * feature row in a fixed name order, without building the {@code features} map (no {@code String} keys, no boxed
 * values, no second lookup). It only says yes when everything is plain: the current writer fingerprint, exactly
 * the expected feature names once each, finite float values. Anything else returns null and the caller takes the
 * general path ({@link WireCodec} plus validation), which also writes the precise error for a dead letter. Not
 * thread-safe (it reuses its decoder); one per stream task.
 */
public final class EventRowReader {

    /** The identity fields of an event read on the fast path. */
    public record Header(String eventId, String key, long eventTimeMillis, Map<String, String> context) {}

    private static final long CURRENT = WireCodec.fingerprint(Event.getClassSchema());
    private static final int HEADER_BYTES = 10;

    private final byte[][] names;
    private final int[] table;
    private final int mask;
    private final int[] seenIn;
    private int pass;
    private BinaryDecoder decoder;
    private final Utf8 scratch = new Utf8();

    /** @param names the model's feature names, in row order */
    public EventRowReader(String[] names) {
        this.names = new byte[names.length][];
        int size = Integer.highestOneBit(Math.max(4, names.length * 4) - 1) << 1;
        this.table = new int[size];
        this.mask = size - 1;
        java.util.Arrays.fill(table, -1);
        for (int i = 0; i < names.length; i++) {
            this.names[i] = names[i].getBytes(StandardCharsets.UTF_8);
            int slot = hash(this.names[i], this.names[i].length) & mask;
            while (table[slot] >= 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = i;
        }
        this.seenIn = new int[names.length];
    }

    /**
     * Fills {@code row} (length = number of names) and returns the event's identity, or returns null when the
     * bytes need the general path.
     */
    public Header read(byte[] bytes, float[] row) {
        if (bytes == null || bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01
                || fingerprint(bytes) != CURRENT) {
            return null;
        }
        try {
            decoder = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, decoder);
            String eventId = decoder.readString();
            String key = decoder.readString();
            decoder.skipString();
            long time = decoder.readLong();
            if (++pass == Integer.MAX_VALUE) {
                pass = 1;
                java.util.Arrays.fill(seenIn, 0);
            }
            int seen = 0;
            for (long n = decoder.readMapStart(); n != 0; n = decoder.mapNext()) {
                for (long i = 0; i < n; i++) {
                    decoder.readString(scratch);
                    int index = lookup(scratch.getBytes(), scratch.getByteLength());
                    float value = (float) decoder.readDouble();
                    if (index < 0 || seenIn[index] == pass || !Float.isFinite(value)) {
                        return null;
                    }
                    seenIn[index] = pass;
                    row[index] = value;
                    seen++;
                }
            }
            if (seen != names.length) {
                return null;
            }
            Map<String, String> context = Map.of();
            for (long n = decoder.readMapStart(); n != 0; n = decoder.mapNext()) {
                if (context.isEmpty()) {
                    context = new HashMap<>();
                }
                for (long i = 0; i < n; i++) {
                    context.put(decoder.readString(), decoder.readString());
                }
            }
            return decoder.isEnd() ? new Header(eventId, key, time, context) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private int lookup(byte[] bytes, int length) {
        int slot = hash(bytes, length) & mask;
        while (table[slot] >= 0) {
            byte[] candidate = names[table[slot]];
            if (java.util.Arrays.equals(candidate, 0, candidate.length, bytes, 0, length)) {
                return table[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private static int hash(byte[] bytes, int length) {
        int h = 0x811C9DC5;
        for (int i = 0; i < length; i++) {
            h = (h ^ (bytes[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 16);
    }

    private static long fingerprint(byte[] bytes) {
        long fp = 0;
        for (int i = 9; i >= 2; i--) {
            fp = (fp << 8) | (bytes[i] & 0xFF);
        }
        return fp;
    }
}
