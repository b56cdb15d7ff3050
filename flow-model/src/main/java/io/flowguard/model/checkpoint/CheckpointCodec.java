package io.flowguard.model.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one-file checkpoint format, version {@value #FORMAT_VERSION} (big-endian, as Java's DataOutput writes it):
 *
 * <pre>
 *   magic            8 bytes   0x89 'F' 'G' 'C' 'K' '\r' '\n' 0x1A
 *   format version   int32
 *   manifest length  int32, then the manifest as UTF-8 JSON ({@link Manifest}; holds the payload's SHA-256)
 *   payload length   int64, then the payload: int32 count, and per tensor
 *                    name (modified UTF-8, as writeUTF), rank (int8), dims (int64 each), values (float32 each)
 *   trailer          32 bytes  SHA-256 of every byte before it
 * </pre>
 *
 * Reading checks, in order: length, magic, version, section lengths, the trailer hash, the manifest, the payload hash
 * named in the manifest; any failure is a {@link CheckpointException} naming the file and what was wrong.
 */
public final class CheckpointCodec {

    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = {(byte) 0x89, 'F', 'G', 'C', 'K', '\r', '\n', 0x1A};
    private static final int HASH_BYTES = 32;
    private static final int HEADER_BYTES = MAGIC.length + 4 + 4;
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().setPrettyPrinting()
            .disableHtmlEscaping().create();

    private CheckpointCodec() {}

    public static byte[] encode(FlowState state) {
        try {
            byte[] payload = encodePayload(state.tensors());
            long count = state.tensors().values().stream().mapToLong(t -> t.values().length).sum();
            Manifest manifest = state.manifest().withPayload(HexFormat.of().formatHex(sha256(payload)), count);
            byte[] json = GSON.toJson(manifest).getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(HEADER_BYTES + json.length + payload.length + 40);
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeInt(json.length);
            out.write(json);
            out.writeLong(payload.length);
            out.write(payload);
            out.write(sha256(bytes.toByteArray()));
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new CheckpointException("could not encode checkpoint: " + e.getMessage(), e);
        }
    }

    private static byte[] encodePayload(Map<String, Tensor> tensors) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            out.writeUTF(e.getKey());
            long[] shape = e.getValue().shape();
            out.writeByte(shape.length);
            for (long dim : shape) {
                out.writeLong(dim);
            }
            ByteBuffer buffer = ByteBuffer.allocate(e.getValue().values().length * Float.BYTES);
            buffer.asFloatBuffer().put(e.getValue().values());
            out.write(buffer.array());
        }
        out.flush();
        return bytes.toByteArray();
    }

    /** Decodes and verifies a checkpoint; {@code source} names it in error messages. */
    public static FlowState decode(byte[] data, String source) {
        if (data.length < HEADER_BYTES) {
            throw new CheckpointException(source + ": truncated checkpoint: expected at least " + HEADER_BYTES
                    + " header bytes, got " + data.length);
        }
        if (!Arrays.equals(Arrays.copyOf(data, MAGIC.length), MAGIC)) {
            throw new CheckpointException(source + ": not a FlowGuard checkpoint (expected the FGCK magic bytes)");
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != FORMAT_VERSION) {
            throw new CheckpointException(source + ": unsupported checkpoint format version " + version
                    + "; this build reads version " + FORMAT_VERSION);
        }
        int manifestLength = in.getInt();
        long needed = (long) HEADER_BYTES + Math.max(0, manifestLength) + Long.BYTES + HASH_BYTES;
        if (manifestLength < 0 || needed > data.length) {
            throw new CheckpointException(source + ": truncated checkpoint: expected at least " + needed
                    + " bytes, got " + data.length);
        }
        byte[] json = new byte[manifestLength];
        in.get(json);
        long payloadLength = in.getLong();
        long expected = needed + payloadLength;
        if (payloadLength < 0 || expected > data.length) {
            throw new CheckpointException(source + ": truncated checkpoint: expected " + expected + " bytes, got "
                    + data.length);
        }
        if (expected < data.length) {
            throw new CheckpointException(source + ": corrupt checkpoint: expected " + expected + " bytes, got "
                    + data.length + " (trailing data)");
        }
        byte[] payload = new byte[(int) payloadLength];
        in.get(payload);
        byte[] stored = new byte[HASH_BYTES];
        in.get(stored);
        byte[] actual = sha256(Arrays.copyOf(data, data.length - HASH_BYTES));
        if (!MessageDigest.isEqual(stored, actual)) {
            throw new CheckpointException(source + ": corrupt checkpoint: SHA-256 mismatch (expected "
                    + HexFormat.of().formatHex(stored) + ", got " + HexFormat.of().formatHex(actual) + ")");
        }
        Manifest manifest = parseManifest(json, source);
        String payloadHash = HexFormat.of().formatHex(sha256(payload));
        if (!payloadHash.equals(manifest.payloadSha256())) {
            throw new CheckpointException(source + ": corrupt checkpoint: payload SHA-256 " + payloadHash
                    + " differs from the manifest's " + manifest.payloadSha256());
        }
        return new FlowState(manifest, decodePayload(payload, source));
    }

    private static Manifest parseManifest(byte[] json, String source) {
        Manifest manifest;
        try {
            manifest = GSON.fromJson(new String(json, StandardCharsets.UTF_8), Manifest.class);
        } catch (RuntimeException e) {
            // Gson reports a record constructor that refuses a value (FlowSpec, FeatureSchema...) as a bare
            // RuntimeException around it, and a malformed document as a JsonParseException: one refusal for both.
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new CheckpointException(source + ": incompatible checkpoint manifest: " + root.getMessage(), e);
        }
        if (manifest == null || manifest.spec() == null || manifest.schema() == null) {
            throw new CheckpointException(source + ": incompatible checkpoint manifest: expected a spec and a"
                    + " feature schema, got none");
        }
        if (manifest.formatVersion() != FORMAT_VERSION) {
            throw new CheckpointException(source + ": incompatible checkpoint manifest: expected format version "
                    + FORMAT_VERSION + ", got " + manifest.formatVersion());
        }
        return manifest;
    }

    private static Map<String, Tensor> decodePayload(byte[] payload, String source) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                String name = in.readUTF();
                long[] shape = new long[in.readByte()];
                long size = 1;
                for (int k = 0; k < shape.length; k++) {
                    shape[k] = in.readLong();
                    size = Math.multiplyExact(size, shape[k]);
                }
                byte[] raw = new byte[Math.toIntExact(size * Float.BYTES)];
                in.readFully(raw);
                float[] values = new float[(int) size];
                ByteBuffer.wrap(raw).asFloatBuffer().get(values);
                tensors.put(name, new Tensor(shape, values));
            }
            if (in.available() > 0) {
                throw new CheckpointException(source + ": corrupt checkpoint payload: " + in.available()
                        + " bytes after the last tensor");
            }
        } catch (IOException | ArithmeticException | NegativeArraySizeException e) {
            throw new CheckpointException(source + ": corrupt checkpoint payload: " + e, e);
        }
        return tensors;
    }

    /**
     * Writes atomically: a temporary file in the same folder, fsync, an atomic rename over {@code path}, then an
     * fsync of the folder (see {@link AtomicFiles}).
     */
    public static void write(Path path, FlowState state) {
        writeBytes(path, encode(state));
    }

    static void writeBytes(Path path, byte[] bytes) {
        try {
            AtomicFiles.replace(path, bytes);
        } catch (IOException e) {
            throw new CheckpointException(path + ": could not write checkpoint: " + e, e);
        }
    }

    public static FlowState read(Path path) {
        try {
            return decode(Files.readAllBytes(path), path.toString());
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such checkpoint file", e);
        } catch (IOException e) {
            throw new CheckpointException(path + ": could not read checkpoint: " + e, e);
        }
    }

    /** The manifest as the JSON stored in checkpoints. */
    public static String toJson(Manifest manifest) {
        return GSON.toJson(manifest);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
