package io.flowguard.schemas;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes {@link ScoreResult} records in Avro single-object encoding straight from primitives: the same bytes as
 * {@code WireCodec.of(ScoreResult.class).encode(...)} (a test holds them equal), without building the record, boxing
 * one {@code Float} per feature or walking the schema per field. The scorer's hot path writes one per event.
 *
 * <p>Field order and types follow {@code score_result.avsc}; a change there breaks the equality test first. Not
 * thread-safe (one reusable buffer): one writer per stream task.
 */
public final class ScoreResultWriter {

    // Avro writes floats and doubles as their IEEE bits, little-endian; the raw bits keep NaN payloads as
    // Float.floatToRawIntBits did
    private static final VarHandle LITTLE_ENDIAN_FLOAT =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LITTLE_ENDIAN_DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] header;
    private byte[] buffer = new byte[512];
    private int position;
    private String lastModel;
    private byte[] lastModelBytes;

    public ScoreResultWriter() {
        long fingerprint = WireCodec.fingerprint(ScoreResult.getClassSchema());
        header = new byte[10];
        header[0] = (byte) 0xC3;
        header[1] = 0x01;
        for (int i = 0; i < 8; i++) {
            header[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
    }

    /**
     * @param contributions per-feature log-likelihood contributions; {@code d} of them from {@code offset}
     * @return a fresh array holding the encoded record
     */
    public byte[] write(String eventId, String key, long eventTimeMillis, String modelVersion, double logLikelihood,
            double bitsPerDimension, double typicality, double latentSquaredNorm, float[] contributions, int offset,
            int d, Verdict verdict) {
        position = 0;
        ensure(header.length + 64 + 5 * d + 3 * (eventId.length() + key.length()) + modelVersion.length() * 3);
        System.arraycopy(header, 0, buffer, 0, header.length);
        position = header.length;
        writeString(eventId);
        writeString(key);
        writeLong(eventTimeMillis);
        if (!modelVersion.equals(lastModel)) {
            lastModel = modelVersion;
            lastModelBytes = modelVersion.getBytes(StandardCharsets.UTF_8);
        }
        writeBytes(lastModelBytes);
        writeDouble(logLikelihood);
        writeDouble(bitsPerDimension);
        writeDouble(typicality);
        writeDouble(latentSquaredNorm);
        if (d > 0) {
            writeLong(d);
            ensure(position + 4 * d + 1);
            for (int j = 0; j < d; j++) {
                LITTLE_ENDIAN_FLOAT.set(buffer, position, contributions[offset + j]);
                position += 4;
            }
        }
        writeLong(0); // end of the array's blocks
        writeLong(verdict.ordinal());
        return Arrays.copyOf(buffer, position);
    }

    private void writeString(String s) {
        boolean ascii = true;
        for (int i = 0; i < s.length() && ascii; i++) {
            ascii = s.charAt(i) < 0x80;
        }
        if (!ascii) {
            writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return;
        }
        writeLong(s.length());
        ensure(position + s.length());
        for (int i = 0; i < s.length(); i++) {
            buffer[position++] = (byte) s.charAt(i);
        }
    }

    private void writeBytes(byte[] b) {
        writeLong(b.length);
        ensure(position + b.length);
        System.arraycopy(b, 0, buffer, position, b.length);
        position += b.length;
    }

    /** Zig-zag varint, as Avro writes int and long. */
    private void writeLong(long value) {
        ensure(position + 10);
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            buffer[position++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        buffer[position++] = (byte) n;
    }

    private void writeDouble(double value) {
        ensure(position + 8);
        LITTLE_ENDIAN_DOUBLE.set(buffer, position, value);
        position += 8;
    }

    private void ensure(int capacity) {
        if (capacity > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(capacity, 2 * buffer.length));
        }
    }
}
