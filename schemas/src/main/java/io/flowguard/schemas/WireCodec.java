package io.flowguard.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding for one record type: {@code C3 01}, the 8-byte CRC-64-AVRO fingerprint of the
 * writer schema, then the binary datum. Thread-safe.
 *
 * <p>Compatibility rules. A reader resolves every writer schema it knows to its own (Avro schema resolution):
 * the current schema, every released version under {@code io/flowguard/schemas/history/<Type>-vN.avsc} and any
 * schema passed to {@link #of(Class, List)}. A field may be added or removed only with a default; enums carry a
 * default symbol so that a reader maps an unknown symbol to it. Bytes whose fingerprint matches no known schema
 * raise {@link WireException.Kind#UNKNOWN_SCHEMA}; bytes without the single-object header, or that do not decode,
 * raise {@link WireException.Kind#MALFORMED}.
 *
 * @param <T> the generated record class
 */
public final class WireCodec<T extends SpecificRecord> {

    private static final String HISTORY = "/io/flowguard/schemas/history/";

    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    private final List<Schema> knownWriters;

    private WireCodec(Class<T> type, List<Schema> extraWriters) {
        this.schema = SpecificData.get().getSchema(type);
        SchemaStore.Cache store = new SchemaStore.Cache();
        List<Schema> writers = new ArrayList<>(history(type.getSimpleName()));
        writers.addAll(extraWriters);
        writers.add(schema);
        writers.forEach(store::addSchema);
        this.knownWriters = List.copyOf(writers);
        this.encoder = new BinaryMessageEncoder<>(SpecificData.getForClass(type), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(type), schema, store);
    }

    /** A codec that knows the current schema and every released version of it. */
    public static <T extends SpecificRecord> WireCodec<T> of(Class<T> type) {
        return new WireCodec<>(type, List.of());
    }

    /** As {@link #of(Class)}, also accepting the given (for example newer) writer schemas. */
    public static <T extends SpecificRecord> WireCodec<T> of(Class<T> type, List<Schema> extraWriters) {
        return new WireCodec<>(type, extraWriters);
    }

    public Schema schema() {
        return schema;
    }

    /** Writer schemas this codec can read, oldest release first, the current schema last. */
    public List<Schema> knownWriters() {
        return knownWriters;
    }

    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @throws WireException naming the type, the length and what was wrong
     */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            throw new WireException(WireException.Kind.MALFORMED, "expected a " + schema.getName()
                    + " record, got a null value", null);
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new WireException(WireException.Kind.UNKNOWN_SCHEMA, "expected a known " + schema.getName()
                    + " writer schema, got fingerprint " + fingerprintOf(bytes), e);
        } catch (BadHeaderException e) {
            throw new WireException(WireException.Kind.MALFORMED, "expected the Avro single-object header C3 01 on a "
                    + schema.getName() + " record, got " + head(bytes) + " (" + bytes.length + " bytes)", e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new WireException(WireException.Kind.MALFORMED, "expected a " + schema.getName()
                    + " datum, got " + bytes.length + " bytes that do not decode: " + e.getMessage(), e);
        }
    }

    private static List<Schema> history(String type) {
        List<Schema> schemas = new ArrayList<>();
        for (int version = 1; ; version++) {
            try (InputStream in = WireCodec.class.getResourceAsStream(HISTORY + type + "-v" + version + ".avsc")) {
                if (in == null) {
                    return schemas;
                }
                schemas.add(new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String fingerprintOf(byte[] bytes) {
        if (bytes.length < 10) {
            return "(truncated)";
        }
        long fp = 0;
        for (int i = 9; i >= 2; i--) {
            fp = (fp << 8) | (bytes[i] & 0xFF);
        }
        return String.format("%016x", fp);
    }

    private static String head(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(2, bytes.length); i++) {
            sb.append(String.format("%02X ", bytes[i] & 0xFF));
        }
        return sb.length() == 0 ? "no bytes" : sb.toString().trim();
    }
}
