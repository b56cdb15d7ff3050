package io.flowguard.model.checkpoint;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;

/**
 * Checks release signatures made by {@link ReleaseSigner} (see there for the signed message and what a signature
 * does not protect against). Immutable and thread-safe.
 */
public final class ReleaseVerifier {

    private final PublicKey key;
    private final Path source;

    private ReleaseVerifier(PublicKey key, Path source) {
        this.key = key;
        this.source = source;
    }

    /**
     * Reads a PEM "PUBLIC KEY" (X.509 SubjectPublicKeyInfo, Ed25519) file.
     *
     * @throws CheckpointException naming the file when it is missing or not such a key
     */
    public static ReleaseVerifier load(Path publicKeyPem) {
        byte[] der = Pem.read(publicKeyPem, "PUBLIC KEY");
        try {
            PublicKey key = KeyFactory.getInstance(ReleaseSigner.ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
            return new ReleaseVerifier(key, publicKeyPem);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new CheckpointException(publicKeyPem + ": expected an Ed25519 public key (X.509), got "
                    + ReleaseSigner.oneLine(e), e);
        }
    }

    /** The key file this verifier was loaded from, for messages. */
    public Path source() {
        return source;
    }

    /**
     * True when {@code signature} is a valid signature of the release message for {@code modelName} and
     * {@code sha256Hex}; false for a missing, malformed or wrong signature, or a malformed name or hash (never throws
     * for those).
     */
    public boolean verify(String modelName, String sha256Hex, byte[] signature) {
        if (modelName == null || sha256Hex == null || signature == null) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(ReleaseSigner.ALGORITHM);
            s.initVerify(key);
            s.update(ReleaseSigner.message(modelName, sha256Hex));
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            // A signature of the wrong length or encoding is a bad signature, not an error of the caller.
            return false;
        }
    }
}
