package io.flowguard.app;

import io.flowguard.schemas.Event;
import io.flowguard.schemas.WireCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;

/**
 * The stream benchmark's load generator: Avro {@code Event} bytes made by patching pre-encoded templates (one per
 * entity) with a numbered id ({@code l} and 9 digits), the current event time and fresh standard-normal feature
 * values (8-byte doubles written in place, drawn from a pre-generated pool at a random offset), so that producing
 * 20,000 events a second costs the shared cores a copy each instead of a full Avro encoding; and the event number
 * read back from a {@code ScoreResult}'s bytes without decoding the rest. The patched bytes are exactly what
 * encoding the event would give (tested). The values vary from event to event as real readings do: a template
 * replayed unchanged is a stuck sensor, which the decision layer's repeated-score test rightly flags on every event
 * (an early version of {@code bench swap} alerted on nearly all its load that way).
 */
final class BenchEvents {

    static final int ID_DIGITS = 9;
    private static final int HEADER = 10; // single-object marker and schema fingerprint
    private static final String ID_TEMPLATE = "l" + "0".repeat(ID_DIGITS);

    private final byte[][] templates;
    private final byte[][] keys;
    private final int[] timeAt;
    private final int[] timeLength;
    /** Per entity, the offsets of its feature values (little-endian doubles), in map order. */
    private final int[][] valueAt;
    private final double[] pool;
    private long state;

    /** One template per entity of {@code factory}'s events. */
    BenchEvents(StreamBenchCommand.EventFactory factory, int entities) {
        WireCodec<Event> codec = WireCodec.of(Event.class);
        templates = new byte[entities][];
        keys = new byte[entities][];
        timeAt = new int[entities];
        timeLength = new int[entities];
        valueAt = new int[entities][];
        Instant now = Instant.now();
        for (int k = 0; k < entities; k++) {
            Event e = factory.next(ID_TEMPLATE, now, k);
            templates[k] = codec.encode(e);
            keys[k] = e.getKey().getBytes(StandardCharsets.UTF_8);
            int at = HEADER;
            for (int field = 0; field < 3; field++) { // event id, key, source: length-prefixed strings
                long[] n = varint(templates[k], at);
                at = (int) n[1] + (int) (n[0] >>> 1);
            }
            timeAt[k] = at;
            timeLength[k] = (int) varint(templates[k], at)[1] - at;
            valueAt[k] = values(templates[k], at + timeLength[k], e.getFeatures().size());
        }
        SplittableRandom random = new SplittableRandom(17);
        pool = new double[1 << 20];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = random.nextGaussian();
        }
        state = random.nextLong() | 1;
    }

    /** The offsets of the {@code count} double values of the features map that starts at {@code at}. */
    private static int[] values(byte[] b, int at, int count) {
        int[] offsets = new int[count];
        int found = 0;
        while (true) {
            long[] block = varint(b, at);
            long items = (block[0] >>> 1) ^ -(block[0] & 1);
            at = (int) block[1];
            if (items == 0) {
                break;
            }
            if (items < 0) { // a negative count is followed by the block's size in bytes
                items = -items;
                at = (int) varint(b, at)[1];
            }
            for (long i = 0; i < items; i++) {
                long[] length = varint(b, at);
                at = (int) length[1] + (int) (length[0] >>> 1);
                offsets[found++] = at;
                at += Double.BYTES;
            }
        }
        if (found != count) {
            throw new IllegalStateException("expected " + count + " feature values in the template, got " + found);
        }
        return offsets;
    }

    int entities() {
        return templates.length;
    }

    byte[] key(int entity) {
        return keys[entity];
    }

    /** The bytes of event number {@code n} of {@code entity} at {@code timeMillis}, with fresh values (one thread). */
    byte[] event(int entity, int n, long timeMillis) {
        byte[] template = templates[entity];
        byte[] out = template.clone();
        int digitsAt = HEADER + 2; // the id's length (11, one varint byte), then "l"
        for (int i = ID_DIGITS - 1, v = n; i >= 0; i--, v /= 10) {
            out[digitsAt + i] = (byte) ('0' + v % 10);
        }
        long zigzag = (timeMillis << 1) ^ (timeMillis >> 63);
        int at = timeAt[entity];
        int length = 0;
        for (long z = zigzag; ; z >>>= 7) {
            length++;
            if ((z & ~0x7FL) == 0) {
                break;
            }
        }
        if (length != timeLength[entity]) {
            throw new IllegalStateException("event time " + timeMillis + " needs " + length + " varint bytes, the "
                    + "template has " + timeLength[entity]);
        }
        for (int i = 0; i < length; i++, zigzag >>>= 7) {
            out[at + i] = (byte) (i == length - 1 ? zigzag & 0x7F : (zigzag & 0x7F) | 0x80);
        }
        int[] values = valueAt[entity];
        state ^= state << 13; // xorshift: a random offset into the pool per event
        state ^= state >>> 7;
        state ^= state << 17;
        int from = (int) ((state >>> 1) % (pool.length - values.length));
        for (int j = 0; j < values.length; j++) {
            long bits = Double.doubleToRawLongBits(pool[from + j]);
            for (int byteIndex = 0; byteIndex < Double.BYTES; byteIndex++, bits >>>= 8) {
                out[values[j] + byteIndex] = (byte) bits;
            }
        }
        return out;
    }

    /** The event number in a {@code ScoreResult}'s bytes (its event id is the first field), or -1 for another id. */
    static int eventNumber(byte[] scoreResult) {
        if (scoreResult.length < HEADER + 2 + ID_DIGITS || scoreResult[HEADER] != 2 * (ID_DIGITS + 1)
                || scoreResult[HEADER + 1] != 'l') {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < ID_DIGITS; i++) {
            int d = scoreResult[HEADER + 2 + i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            n = n * 10 + d;
        }
        return n;
    }

    /** An Avro varint at {@code at}: {raw zig-zag value, offset after it}. */
    private static long[] varint(byte[] b, int at) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b[at++];
            value |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                return new long[] {value, at};
            }
        }
    }
}
