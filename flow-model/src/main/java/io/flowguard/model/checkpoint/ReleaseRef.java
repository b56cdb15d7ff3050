package io.flowguard.model.checkpoint;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a release record claims about a checkpoint, engine-neutral (the Avro {@code ModelRelease} maps to it). Nothing
 * is checked here: the claims come off the wire, and {@link ReleaseLoader} checks each against the bytes.
 *
 * @param modelName the model the release belongs to (part of the signed message)
 * @param version first 16 hex digits of {@code sha256}
 * @param modelKind MAF, NSF or NSF_COUPLING (any case; "nsf-coupling" too)
 * @param checkpointUri where the checkpoint is ({@link CheckpointStore#read})
 * @param sha256 hex SHA-256 of the whole checkpoint file
 * @param featureNames the model's features in order
 * @param signature Ed25519 signature ({@link ReleaseSigner}), or null when unsigned
 */
public record ReleaseRef(String modelName, String version, String modelKind, String checkpointUri, String sha256,
        List<String> featureNames, byte[] signature) {

    public ReleaseRef {
        featureNames = featureNames == null ? null : List.copyOf(featureNames);
        signature = signature == null ? null : signature.clone();
    }

    @Override
    public byte[] signature() {
        return signature == null ? null : signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReleaseRef r && Objects.equals(r.modelName, modelName) && Objects.equals(r.version, version)
                && Objects.equals(r.modelKind, modelKind) && Objects.equals(r.checkpointUri, checkpointUri)
                && Objects.equals(r.sha256, sha256) && Objects.equals(r.featureNames, featureNames)
                && Arrays.equals(r.signature, signature);
    }

    @Override
    public int hashCode() {
        return Objects.hash(modelName, version, modelKind, checkpointUri, sha256, featureNames)
                + 31 * Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "ReleaseRef[" + modelName + "/" + version + ", " + modelKind + ", " + checkpointUri + ", sha256 "
                + sha256 + ", " + (featureNames == null ? 0 : featureNames.size()) + " features, "
                + (signature == null ? "unsigned" : "signed") + "]";
    }
}
