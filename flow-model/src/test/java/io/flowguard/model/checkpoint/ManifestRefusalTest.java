package io.flowguard.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import io.flowguard.model.flow.FlowKind;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A manifest whose values its records refuse (a hand-edited or foreign file with a valid trailer) is a one-line
 * {@link CheckpointException} naming the file, never the exception Gson or the flow factory threw.
 */
class ManifestRefusalTest {

    private static final byte[] GOOD = CheckpointFixtures.checkpoint(FlowKind.MAF, 3);

    /** {@link #GOOD} with its manifest JSON edited and the trailer hash recomputed. */
    private static byte[] edited(UnaryOperator<String> edit) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(GOOD);
        int length = in.getInt(12);
        byte[] json = edit.apply(new String(GOOD, 16, length, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(GOOD, 0, 12);
        out.writeInt(json.length);
        out.write(json);
        out.write(GOOD, 16 + length, GOOD.length - 32 - 16 - length);
        out.write(CheckpointCodec.sha256(bytes.toByteArray()));
        return bytes.toByteArray();
    }

    private static String refusal(UnaryOperator<String> edit) throws IOException {
        byte[] bytes = edited(edit);
        return assertThrows(CheckpointException.class, () -> Checkpoints.load(bytes, "m.fgck", Device.cpu()))
                .getMessage();
    }

    @Test
    void aSpecItsConstructorRefusesIsAnIncompatibleManifest() throws IOException {
        assertEquals("m.fgck: incompatible checkpoint manifest: expected 1 <= layers <= 64, got 0",
                refusal(json -> json.replaceFirst("\"layers\": \\d+", "\"layers\": 0")));
        assertEquals("m.fgck: incompatible checkpoint manifest: expected a flow kind, got null",
                refusal(json -> json.replaceFirst("\"kind\": \"MAF\"", "\"kind\": \"GAN\"")));
    }

    @Test
    void aSchemaWithoutFeaturesIsAnIncompatibleManifest() throws IOException {
        assertEquals("m.fgck: incompatible checkpoint manifest: expected at least one feature, got none",
                refusal(json -> json.replaceFirst("(?s)\"features\": \\[.*?\\]\\s*}", "\"features\": []}")));
    }

    @Test
    void aFeatureOfUnknownKindIsAnIncompatibleManifest() throws IOException {
        assertEquals("m.fgck: incompatible checkpoint manifest: expected a feature name and kind, got x0 and null",
                refusal(json -> json.replaceAll("\"kind\": \"(CONTINUOUS|DISCRETE|CONSTANT)\"",
                        "\"kind\": \"SOMETHING\"")));
    }
}
