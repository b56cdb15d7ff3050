package io.flowguard.model.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;

/** RFC 7468 text encoding of keys: a "-----BEGIN label-----" line, base64 lines of 64 characters, an END line. */
final class Pem {

    private Pem() {}

    static byte[] encode(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The DER bytes of the one {@code label} block in {@code file}.
     *
     * @throws CheckpointException naming the file when it is missing, unreadable or holds no such block
     */
    static byte[] read(Path file, String label) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": no such key file", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": could not read key file: " + e, e);
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = from < 0 ? -1 : text.indexOf(end, from);
        if (from < 0 || to < 0) {
            throw new CheckpointException(file + ": expected a PEM \"" + label + "\" block, got none");
        }
        try {
            // The strict decoder, line breaks removed first: the MIME decoder skips stray characters silently.
            return Base64.getDecoder().decode(text.substring(from + begin.length(), to).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": expected base64 in the PEM \"" + label + "\" block, got "
                    + e.getMessage(), e);
        }
    }
}
