package io.flowguard.model.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Locale;
import java.util.Objects;

/**
 * Signs model releases with Ed25519 (RFC 8032, from the JDK). The signed message is exactly
 *
 * <pre>
 *   "flowguard-release/v1\n" + modelName + "\n" + sha256Hex.toLowerCase()      (UTF-8)
 * </pre>
 *
 * so a signature binds the whole bytes of one checkpoint (manifest, calibration and parameters: its SHA-256) to one
 * model name, and a checkpoint hand-edited after signing, hashes recomputed or not, no longer verifies. It says
 * nothing about time or order: anyone who can write the control topic can replay an older signed release of the
 * same model (a rollback to a version that was once good); refusing that needs a monotonic counter or an allow-list
 * outside the signature. The message ends in a fixed-length hash, so a model name containing a line break cannot
 * make two different (name, hash) pairs sign the same bytes.
 *
 * <p>Key files are PEM: "PRIVATE KEY" (PKCS#8) and "PUBLIC KEY" (X.509 SubjectPublicKeyInfo), as {@code openssl
 * genpkey -algorithm ed25519} writes them. Instances are immutable and thread-safe.
 */
public final class ReleaseSigner {

    static final String ALGORITHM = "Ed25519";
    static final String DOMAIN = "flowguard-release/v1";

    private final PrivateKey key;

    private ReleaseSigner(PrivateKey key) {
        this.key = key;
    }

    /**
     * Generates a key pair and writes it, each file atomically; the private key with owner-only permissions where
     * the file system is POSIX.
     *
     * @throws CheckpointException when either file already exists (a key is never overwritten) or writing fails
     */
    public static void generateKeyPair(Path privateKeyPem, Path publicKeyPem) {
        for (Path p : new Path[] {privateKeyPem, publicKeyPem}) {
            if (Files.exists(p)) {
                throw new CheckpointException(p + ": expected no key file there, got one (keys are never"
                        + " overwritten)");
            }
        }
        KeyPair pair;
        try {
            pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java 15+ platform has Ed25519", e);
        }
        write(privateKeyPem, Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), true);
        write(publicKeyPem, Pem.encode("PUBLIC KEY", pair.getPublic().getEncoded()), false);
    }

    private static void write(Path file, byte[] pem, boolean ownerOnly) {
        try {
            if (!AtomicFiles.createNew(file, pem, ownerOnly)) {
                throw new CheckpointException(file + ": expected no key file there, got one (keys are never"
                        + " overwritten)");
            }
        } catch (IOException e) {
            throw new CheckpointException(file + ": could not write key file: " + e, e);
        }
    }

    /**
     * Reads a PEM "PRIVATE KEY" (PKCS#8 Ed25519) file.
     *
     * @throws CheckpointException naming the file when it is missing or not such a key
     */
    public static ReleaseSigner load(Path privateKeyPem) {
        byte[] der = Pem.read(privateKeyPem, "PRIVATE KEY");
        try {
            return new ReleaseSigner(KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CheckpointException(privateKeyPem + ": expected an Ed25519 private key (PKCS#8), got "
                    + oneLine(e), e);
        }
    }

    /** The Ed25519 signature (64 bytes) of the release message for {@code modelName} and a whole-file hash. */
    public byte[] sign(String modelName, String sha256Hex) {
        CheckpointIdentity.requireSha256(sha256Hex);
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(message(modelName, sha256Hex));
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new CheckpointException("could not sign release of " + modelName + ": " + oneLine(e), e);
        }
    }

    /** The exact bytes signed: {@code "flowguard-release/v1\n" + modelName + "\n" + lower-case sha256Hex}. */
    public static byte[] message(String modelName, String sha256Hex) {
        Objects.requireNonNull(modelName, "modelName");
        return (DOMAIN + "\n" + modelName + "\n" + sha256Hex.toLowerCase(Locale.ROOT))
                .getBytes(StandardCharsets.UTF_8);
    }

    static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ");
    }
}
