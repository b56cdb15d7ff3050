package io.flowguard.schemas;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The scorer's fast path for {@link Event} bytes: reads a record written with the current schema straight into a
 * feature row in a fixed name order, without building the {@code features} map (no {@code String} keys, no boxed
 * values, no second lookup) and without a general decoder: the Avro binary encoding of this one schema (zig-zag
 * varints, length-prefixed UTF-8, little-endian doubles, maps as counted blocks) is read from the array in place,
 * each feature name compared where it lies with the name expected next: the one that followed the previous name
 * in the last event read (a producer writes its maps in one order, often not the model's: a Java {@code HashMap}'s),
 * so that after the first event a hash lookup is rare. It only says yes when everything is plain: the current
 * writer fingerprint, exactly the expected feature names once each, finite float values. Anything else returns
 * null and the caller takes the general path ({@link WireCodec} plus validation), which also writes the precise
 * error for a dead letter. Not thread-safe (it reuses its decoder); one per stream task.
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
    /** {@code follows[i + 1]}: the index that came after index {@code i} last time ({@code follows[0]}: the first). */
    private final int[] follows;
    private int pass;
    private static final VarHandle LITTLE_ENDIAN_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** The record being read and the read position in it. */
    private byte[] in;
    private int at;

    /** @param names the model's feature names, in row order */
    public EventRowReader(String[] names) {
        this.names = new byte[names.length][];
        int size = Integer.highestOneBit(Math.max(4, names.length * 4) - 1) << 1;
        this.table = new int[size];
        this.mask = size - 1;
        java.util.Arrays.fill(table, -1);
        for (int i = 0; i < names.length; i++) {
            this.names[i] = names[i].getBytes(StandardCharsets.UTF_8);
            int slot = hash(this.names[i], 0, this.names[i].length) & mask;
            while (table[slot] >= 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = i;
        }
        this.seenIn = new int[names.length];
        this.follows = new int[names.length + 1];
        for (int i = 0; i < follows.length; i++) {
            follows[i] = i;
        }
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
            in = bytes;
            at = HEADER_BYTES;
            String eventId = readString();
            String key = readString();
            skip(length());
            long time = readLong();
            if (++pass == Integer.MAX_VALUE) {
                pass = 1;
                java.util.Arrays.fill(seenIn, 0);
            }
            int seen = 0;
            int previous = -1;
            for (long n = blockCount(); n != 0; n = blockCount()) {
                for (long i = 0; i < n; i++) {
                    int length = length();
                    int expected = follows[previous + 1];
                    int index;
                    if (expected < names.length && matches(names[expected], length)) {
                        index = expected;
                    } else {
                        index = lookup(in, at, length);
                        if (index >= 0) {
                            follows[previous + 1] = index;
                        }
                    }
                    at += length;
                    float value = (float) Double.longBitsToDouble((long) LITTLE_ENDIAN_LONG.get(in, at));
                    at += 8;
                    if (index < 0 || seenIn[index] == pass || !Float.isFinite(value)) {
                        return null;
                    }
                    seenIn[index] = pass;
                    row[index] = value;
                    previous = index;
                    seen++;
                }
            }
            if (seen != names.length) {
                return null;
            }
            Map<String, String> context = Map.of();
            for (long n = blockCount(); n != 0; n = blockCount()) {
                if (context.isEmpty()) {
                    context = new HashMap<>();
                }
                for (long i = 0; i < n; i++) {
                    context.put(readString(), readString());
                }
            }
            return at == bytes.length ? new Header(eventId, key, time, context) : null;
        } catch (RuntimeException e) { // truncated or corrupt: the general path says what is wrong
            return null;
        } finally {
            in = null;
        }
    }

    /** The name lies at {@code at} (a plain loop: feature names are short, where the vectorized compare costs). */
    private boolean matches(byte[] name, int length) {
        if (name.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (name[i] != in[at + i]) {
                return false;
            }
        }
        return true;
    }

    /** Avro's zig-zag varint long. */
    private long readLong() {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in[at++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                break;
            }
            if (shift > 56) {
                throw new IllegalStateException("varint longer than 10 bytes");
            }
        }
        return (value >>> 1) ^ -(value & 1);
    }

    /** A string or map-key length, checked against what is left. */
    private int length() {
        long n = readLong();
        if (n < 0 || n > in.length - at) {
            throw new IllegalStateException("bad length " + n);
        }
        return (int) n;
    }

    private void skip(int n) {
        at += n;
    }

    private String readString() {
        int n = length();
        String s = new String(in, at, n, StandardCharsets.UTF_8);
        at += n;
        return s;
    }

    /** The item count of the next map block (a negative count is followed by the block's byte size). */
    private long blockCount() {
        long n = readLong();
        if (n < 0) {
            readLong();
            n = -n;
        }
        return n;
    }

    private int lookup(byte[] bytes, int from, int length) {
        int slot = hash(bytes, from, length) & mask;
        while (table[slot] >= 0) {
            byte[] candidate = names[table[slot]];
            if (java.util.Arrays.equals(candidate, 0, candidate.length, bytes, from, from + length)) {
                return table[slot];
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private static int hash(byte[] bytes, int from, int length) {
        int h = 0x811C9DC5;
        for (int i = from; i < from + length; i++) {
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
