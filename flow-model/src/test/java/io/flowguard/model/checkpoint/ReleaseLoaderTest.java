package io.flowguard.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.flowguard.model.checkpoint.ReleaseRefusedException.Reason;
import io.flowguard.model.flow.FlowKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verifying loader: one test per refusal reason, and the hand-edited checkpoint that signatures stop. */
class ReleaseLoaderTest {

    private static final byte[] MAF = CheckpointFixtures.checkpoint(FlowKind.MAF, 21);
    private static final List<String> FEATURES = CheckpointFixtures.FEATURES;

    @TempDir
    Path dir;
    private LocalCheckpointStore store;
    private ReleaseSigner signer;
    private ReleaseLoader signed;
    private ReleaseLoader unsigned;

    @BeforeEach
    void setUp() {
        store = new LocalCheckpointStore(dir.resolve("store"));
        ReleaseSigner.generateKeyPair(dir.resolve("release.key"), dir.resolve("release.pub"));
        signer = ReleaseSigner.load(dir.resolve("release.key"));
        signed = new ReleaseLoader(store, ReleaseVerifier.load(dir.resolve("release.pub")), Device.cpu());
        unsigned = new ReleaseLoader(store, null, Device.cpu());
    }

    private ReleaseRef release(StoredCheckpoint c, String kind) {
        return new ReleaseRef("pumps", c.version(), kind, c.uri(), c.sha256(), FEATURES,
                signer.sign("pumps", c.sha256()));
    }

    private static ReleaseRefusedException refused(Reason reason, ReleaseLoader loader, ReleaseRef ref,
            List<String> expected) {
        ReleaseRefusedException e = assertThrows(ReleaseRefusedException.class, () -> loader.load(ref, expected));
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().startsWith("release pumps/" + ref.version() + " refused: "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    @Test
    void aSignedReleaseLoadsWithTheWholeFileVersion() {
        StoredCheckpoint c = store.put(MAF);
        for (String kind : new String[] {"MAF", "maf", " Maf "}) {
            try (LoadedModel model = signed.load(release(c, kind), FEATURES)) {
                assertEquals(c.version(), model.version());
                assertEquals(c.sha256(), model.sha256());
                assertEquals(c.version(), model.scorer().modelVersion());
            }
        }
        StoredCheckpoint coupling = store.put(CheckpointFixtures.checkpoint(FlowKind.NSF_COUPLING, 22));
        for (String kind : new String[] {"NSF_COUPLING", "nsf-coupling"}) {
            signed.load(release(coupling, kind), null).close();
        }
    }

    /** A test plants a hand-edited checkpoint, every hash recomputed and the release rewritten to match it. */
    @Test
    void aHandEditedCheckpointIsRefusedWhenSignaturesAreRequired() {
        StoredCheckpoint original = store.put(MAF);
        byte[] signature = signer.sign("pumps", original.sha256());
        StoredCheckpoint edited = store.put(CheckpointFixtures.withEditedCalibration(MAF, -3.0));
        assertNotEquals(original.version(), edited.version());
        ReleaseRef forged = new ReleaseRef("pumps", edited.version(), "MAF", edited.uri(), edited.sha256(), FEATURES,
                signature);
        ReleaseRefusedException e = refused(Reason.SIGNATURE, signed, forged, FEATURES);
        assertEquals("release pumps/" + edited.version() + " refused: expected a signature of model pumps and"
                + " SHA-256 " + edited.sha256() + " by the key in " + dir.resolve("release.pub") + ", got one that"
                + " does not verify", e.getMessage());
        unsigned.load(forged, FEATURES).close();
    }

    @Test
    void aMissingOrWrongSignatureIsRefused() {
        StoredCheckpoint c = store.put(MAF);
        ReleaseRef none = new ReleaseRef("pumps", c.version(), "MAF", c.uri(), c.sha256(), FEATURES, null);
        assertEquals("release pumps/" + c.version() + " refused: expected a signature (signatures are required),"
                + " got none", refused(Reason.SIGNATURE, signed, none, null).getMessage());
        ReleaseRef otherModel = new ReleaseRef("pumps", c.version(), "MAF", c.uri(), c.sha256(), FEATURES,
                signer.sign("cards", c.sha256()));
        refused(Reason.SIGNATURE, signed, otherModel, null);
        ReleaseRef garbage = new ReleaseRef("pumps", c.version(), "MAF", c.uri(), c.sha256(), FEATURES,
                new byte[] {1, 2, 3});
        refused(Reason.SIGNATURE, signed, garbage, null);
        unsigned.load(none, null).close();
    }

    @Test
    void aMissingFileIsRefusedAsMissing() {
        String uri = dir.resolve("store/0000000000000000.fgck").toUri().toString();
        ReleaseRef ref = new ReleaseRef("pumps", "0000000000000000", "MAF", uri, "0".repeat(64), FEATURES, null);
        assertEquals("release pumps/0000000000000000 refused: " + uri + ": no such checkpoint",
                refused(Reason.MISSING, signed, ref, null).getMessage());
        refused(Reason.MISSING, unsigned, new ReleaseRef("pumps", "0000000000000000", "MAF", "http://x/y", "0"
                .repeat(64), FEATURES, null), null);
    }

    @Test
    void aChecksumOrVersionThatDiffersIsRefused() {
        StoredCheckpoint c = store.put(MAF);
        String other = CheckpointIdentity.sha256Hex(new byte[] {1});
        ReleaseRef wrongSha = new ReleaseRef("pumps", c.version(), "MAF", c.uri(), other, FEATURES, null);
        assertEquals("release pumps/" + c.version() + " refused: expected SHA-256 " + other + " of " + c.uri()
                + ", got " + c.sha256(), refused(Reason.CHECKSUM, signed, wrongSha, null).getMessage());
        ReleaseRef wrongVersion = new ReleaseRef("pumps", "ffffffffffffffff", "MAF", c.uri(), c.sha256(), FEATURES,
                null);
        assertEquals("release pumps/ffffffffffffffff refused: expected version ffffffffffffffff, got " + c.version()
                + " (the first 16 hex digits of the file's SHA-256)",
                refused(Reason.CHECKSUM, unsigned, wrongVersion, null).getMessage());
    }

    @Test
    void aTruncatedFileIsRefusedAsCorrupt() throws IOException {
        byte[] truncated = Arrays.copyOf(MAF, MAF.length / 2);
        Path file = dir.resolve("truncated.fgck");
        Files.write(file, truncated);
        String sha = CheckpointIdentity.sha256Hex(truncated);
        ReleaseRef ref = new ReleaseRef("pumps", CheckpointIdentity.version(sha), "MAF", file.toUri().toString(), sha,
                FEATURES, signer.sign("pumps", sha));
        String message = refused(Reason.CORRUPT, signed, ref, null).getMessage();
        assertTrue(message.contains(file.toUri() + ": truncated checkpoint: expected "), message);
    }

    @Test
    void aNonFiniteParameterIsRefusedEvenWithEveryHashRecomputed() {
        for (float planted : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            byte[] bytes = CheckpointFixtures.withPlantedValue(MAF, planted);
            StoredCheckpoint c = store.put(bytes);
            String message = refused(Reason.NON_FINITE, signed, release(c, "MAF"), FEATURES).getMessage();
            assertTrue(message.contains("expected finite values only, got " + planted + " in tensor '"), message);
            assertTrue(message.endsWith("(1 non-finite in all)"), message);
            ReleaseRefusedException direct = assertThrows(ReleaseRefusedException.class,
                    () -> ReleaseLoader.checkFinite(CheckpointCodec.decode(bytes, "gate")));
            assertEquals(Reason.NON_FINITE, direct.reason());
        }
        ReleaseLoader.checkFinite(CheckpointCodec.decode(MAF, "gate"));
    }

    @Test
    void aFeatureSetThatDiffersIsRefused() {
        StoredCheckpoint c = store.put(MAF);
        ReleaseRef renamed = new ReleaseRef("pumps", c.version(), "MAF", c.uri(), c.sha256(), List.of("x0", "y1"),
                null);
        assertEquals("release pumps/" + c.version() + " refused: expected feature 1 to be 'y1' (the release's), got"
                + " 'x1' in the checkpoint", refused(Reason.FEATURES, unsigned, renamed, null).getMessage());
        assertEquals("release pumps/" + c.version() + " refused: expected 3 features (the scorer's), got 2 in the"
                + " checkpoint", refused(Reason.FEATURES, signed, release(c, "MAF"), List.of("x0", "x1", "x2"))
                .getMessage());
        refused(Reason.FEATURES, signed, release(c, "MAF"), List.of("x1", "x0"));
    }

    @Test
    void aWrongKindIsRefused() {
        StoredCheckpoint c = store.put(MAF);
        assertEquals("release pumps/" + c.version() + " refused: expected a NSF flow, got MAF",
                refused(Reason.KIND, signed, release(c, "NSF"), null).getMessage());
        refused(Reason.KIND, signed, release(c, "nsf-coupling"), null);
        refused(Reason.KIND, signed, release(c, null), null);
    }
}
