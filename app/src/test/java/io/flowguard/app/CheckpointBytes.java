package io.flowguard.app;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.UnaryOperator;

/** Edits a checkpoint's manifest JSON behind the codec's back (with a valid trailer), as a hand-edited file would. */
final class CheckpointBytes {

    private CheckpointBytes() {}

    static void rewriteManifest(Path from, Path to, UnaryOperator<String> edit) throws IOException {
        byte[] bytes = Files.readAllBytes(from);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(12);
        int length = in.getInt();
        byte[] json = edit.apply(new String(bytes, 16, length, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        out.write(bytes, 0, 12);
        out.writeInt(json.length);
        out.write(json);
        out.write(bytes, 16 + length, bytes.length - 32 - 16 - length);
        try {
            out.write(MessageDigest.getInstance("SHA-256").digest(buffer.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Files.write(to, buffer.toByteArray());
    }
}
