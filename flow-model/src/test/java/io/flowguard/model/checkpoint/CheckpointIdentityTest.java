package io.flowguard.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.flowguard.model.flow.FlowKind;
import org.junit.jupiter.api.Test;

/** The model version is the whole file's: anything that changes how a checkpoint scores changes its version. */
class CheckpointIdentityTest {

    private static final byte[] ORIGINAL = CheckpointFixtures.checkpoint(FlowKind.MAF, 3);

    @Test
    void anEditedCalibrationChangesTheVersionButNotTheParametersVersion() {
        byte[] edited = CheckpointFixtures.withEditedCalibration(ORIGINAL, 0.25);
        String before = CheckpointIdentity.version(CheckpointIdentity.sha256Hex(ORIGINAL));
        String after = CheckpointIdentity.version(CheckpointIdentity.sha256Hex(edited));
        assertNotEquals(before, after);
        assertEquals(CheckpointCodec.decode(ORIGINAL, "a").manifest().parametersVersion(),
                CheckpointCodec.decode(edited, "b").manifest().parametersVersion());
        try (LoadedModel a = Checkpoints.load(ORIGINAL, "a", Device.cpu());
                LoadedModel b = Checkpoints.load(edited, "b", Device.cpu())) {
            assertEquals(before, a.version());
            assertEquals(after, b.version());
            assertEquals(after, b.scorer().modelVersion());
        }
    }

    @Test
    void aVersionIsTheFirstSixteenLowerCaseHexDigits() {
        String sha = CheckpointIdentity.sha256Hex(ORIGINAL);
        assertEquals(64, sha.length());
        assertEquals(sha.toLowerCase(), sha);
        assertEquals(sha.substring(0, 16), CheckpointIdentity.version(sha.toUpperCase()));
        assertEquals("expected a SHA-256 of 64 hex digits, got 'abc'",
                assertThrows(CheckpointException.class, () -> CheckpointIdentity.version("abc")).getMessage());
        assertTrue(CheckpointIdentity.isVersion(sha.substring(0, 16)));
    }

    @Test
    void loadingFromBytesVerifiesLikeLoadingAFile() {
        byte[] flipped = ORIGINAL.clone();
        flipped[flipped.length - 50] ^= 1;
        String message = assertThrows(CheckpointException.class,
                () -> Checkpoints.load(flipped, "mem:1", Device.cpu())).getMessage();
        assertTrue(message.startsWith("mem:1: corrupt checkpoint"), message);
    }
}
