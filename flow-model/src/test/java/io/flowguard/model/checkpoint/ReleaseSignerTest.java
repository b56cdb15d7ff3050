package io.flowguard.model.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ed25519 release signatures: round trips through key files, and refusals that never throw on bad input. */
class ReleaseSignerTest {

    private static final String SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;
    private Path privateKey;
    private Path publicKey;

    @BeforeEach
    void keys() {
        privateKey = dir.resolve("keys/release.key");
        publicKey = dir.resolve("keys/release.pub");
        ReleaseSigner.generateKeyPair(privateKey, publicKey);
    }

    @Test
    void aSignatureVerifiesForItsModelAndHashOnly() {
        ReleaseSigner signer = ReleaseSigner.load(privateKey);
        ReleaseVerifier verifier = ReleaseVerifier.load(publicKey);
        byte[] signature = signer.sign("pumps", SHA);
        assertEquals(64, signature.length);
        assertTrue(verifier.verify("pumps", SHA, signature));
        assertTrue(verifier.verify("pumps", SHA.toUpperCase(), signature), "the hash is signed lower-cased");
        assertArrayEquals(signature, signer.sign("pumps", SHA.toUpperCase()), "Ed25519 is deterministic");
        assertFalse(verifier.verify("cards", SHA, signature), "bound to the model name");
        assertFalse(verifier.verify("pumps", SHA.replace('0', '1'), signature), "bound to the whole-file hash");
        byte[] flipped = signature.clone();
        flipped[10] ^= 1;
        assertFalse(verifier.verify("pumps", SHA, flipped));
        assertFalse(verifier.verify("pumps", SHA, null));
        assertFalse(verifier.verify("pumps", SHA, new byte[0]));
        assertFalse(verifier.verify("pumps", SHA, "garbage".getBytes(StandardCharsets.UTF_8)));
        assertFalse(verifier.verify(null, SHA, signature));
    }

    @Test
    void theSignedMessageIsExactlyTheDocumentedOne() {
        assertEquals("flowguard-release/v1\npumps\n" + SHA,
                new String(ReleaseSigner.message("pumps", SHA.toUpperCase()), StandardCharsets.UTF_8));
    }

    @Test
    void anotherKeyPairDoesNotVerify() {
        Path otherPrivate = dir.resolve("other.key");
        ReleaseSigner.generateKeyPair(otherPrivate, dir.resolve("other.pub"));
        byte[] signature = ReleaseSigner.load(otherPrivate).sign("pumps", SHA);
        assertFalse(ReleaseVerifier.load(publicKey).verify("pumps", SHA, signature));
    }

    @Test
    void keyFilesArePemAndThePrivateOneIsOwnerOnly() throws IOException {
        String priv = Files.readString(privateKey);
        String pub = Files.readString(publicKey);
        assertTrue(priv.startsWith("-----BEGIN PRIVATE KEY-----\n") && priv.endsWith("-----END PRIVATE KEY-----\n"),
                priv);
        assertTrue(pub.startsWith("-----BEGIN PUBLIC KEY-----\n") && pub.endsWith("-----END PUBLIC KEY-----\n"), pub);
        if (Files.getFileStore(privateKey).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)));
        }
        try (var files = Files.list(privateKey.getParent())) {
            assertEquals(2, files.count(), "no temporary file is left");
        }
        String message = assertThrows(CheckpointException.class,
                () -> ReleaseSigner.generateKeyPair(privateKey, dir.resolve("new.pub"))).getMessage();
        assertEquals(privateKey + ": expected no key file there, got one (keys are never overwritten)", message);
        assertEquals(priv, Files.readString(privateKey));
    }

    @Test
    void badKeyFilesAreRefusedInOneLineNamingTheFile() throws IOException {
        Path missing = dir.resolve("missing.pem");
        assertEquals(missing + ": no such key file",
                assertThrows(CheckpointException.class, () -> ReleaseSigner.load(missing)).getMessage());
        assertEquals(privateKey + ": expected a PEM \"PUBLIC KEY\" block, got none",
                assertThrows(CheckpointException.class, () -> ReleaseVerifier.load(privateKey)).getMessage());
        assertEquals(publicKey + ": expected a PEM \"PRIVATE KEY\" block, got none",
                assertThrows(CheckpointException.class, () -> ReleaseSigner.load(publicKey)).getMessage());
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
        String message = assertThrows(CheckpointException.class, () -> ReleaseVerifier.load(garbage)).getMessage();
        assertTrue(message.startsWith(garbage + ": expected an Ed25519 public key (X.509), got "), message);
        assertFalse(message.contains("\n"), message);
        Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n");
        message = assertThrows(CheckpointException.class, () -> ReleaseSigner.load(garbage)).getMessage();
        assertTrue(message.startsWith(garbage + ": expected base64 in the PEM \"PRIVATE KEY\" block, got "), message);
        assertFalse(message.contains("\n"), message);
    }
}
