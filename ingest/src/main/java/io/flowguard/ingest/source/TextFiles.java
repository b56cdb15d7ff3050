package io.flowguard.ingest.source;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Opens UTF-8 text input the way every FlowGuard reader does: gzip is recognised by its magic bytes ({@code 1f 8b}),
 * whatever the file is called, and a leading byte-order mark is dropped, so it never becomes part of the first
 * column's name.
 */
public final class TextFiles {

    private static final int BUFFER = 1 << 16;
    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private TextFiles() {}

    /** Opens {@code file}; the caller closes the reader. */
    public static BufferedReader open(Path file) throws IOException {
        return open(Files.newInputStream(file));
    }

    /** Wraps {@code raw} (closed with the reader, or here when opening fails). */
    public static BufferedReader open(InputStream raw) throws IOException {
        try {
            InputStream in = new BufferedInputStream(raw, BUFFER);
            in.mark(2);
            int first = in.read();
            int second = in.read();
            in.reset();
            if (first == 0x1f && second == 0x8b) {
                in = new GZIPInputStream(in, BUFFER);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), BUFFER);
            reader.mark(1);
            if (reader.read() != BYTE_ORDER_MARK) {
                reader.reset();
            }
            return reader;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }
}
