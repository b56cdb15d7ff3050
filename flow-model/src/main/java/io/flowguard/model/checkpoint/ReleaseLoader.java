package io.flowguard.model.checkpoint;

import ai.djl.Device;
import io.flowguard.model.checkpoint.ReleaseRefusedException.Reason;
import io.flowguard.model.flow.FeatureSpec;
import io.flowguard.model.score.Calibration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Loads the checkpoint a release names only after checking every claim the release makes against the bytes, for
 * any engine (the Kafka Streams scorer, Flink). The checks run cheapest and most telling first, and the first that
 * fails refuses the release ({@link ReleaseRefusedException} with its {@link Reason}):
 *
 * <ol>
 *   <li>{@link Reason#MISSING}: the bytes can be read at {@code checkpointUri};
 *   <li>{@link Reason#CHECKSUM}: their SHA-256 is {@code sha256}, and its first 16 hex digits are {@code version};
 *   <li>{@link Reason#SIGNATURE}: with a verifier, the release carries a signature that verifies for its model name
 *       and that SHA-256 (an unsigned release is refused), so that a hand-edited checkpoint whose hashes were
 *       recomputed, and a release record rewritten to match it, are still refused;
 *   <li>{@link Reason#CORRUPT}: the bytes decode (magic, format, trailer and payload hashes) and later fit the flow
 *       the manifest describes;
 *   <li>{@link Reason#NON_FINITE}: no NaN or infinity in a tensor, a preprocessing constant or the calibration's
 *       moments ({@link #checkFinite});
 *   <li>{@link Reason#FEATURES}: the manifest's feature names are the release's, and the scorer's when given;
 *   <li>{@link Reason#KIND}: the flow kind is the release's (MAF, NSF, NSF_COUPLING; any case, '-' for '_').
 * </ol>
 *
 * Then the flow is built on the device. Immutable; thread-safe when the store is.
 */
public final class ReleaseLoader {

    private final CheckpointStore store;
    private final ReleaseVerifier verifier;
    private final Device device;

    /**
     * @param verifier checks signatures; null when signatures are not required (then a signature is ignored)
     * @param device where loaded flows live
     */
    public ReleaseLoader(CheckpointStore store, ReleaseVerifier verifier, Device device) {
        this.store = Objects.requireNonNull(store, "store");
        this.verifier = verifier;
        this.device = Objects.requireNonNull(device, "device");
    }

    public boolean requiresSignatures() {
        return verifier != null;
    }

    /**
     * Checks a release and loads its checkpoint; the caller owns (and closes) the model.
     *
     * @param expectedFeatures the feature names the caller will score, in order; null accepts any
     * @throws ReleaseRefusedException naming the release and what was wrong
     */
    public LoadedModel load(ReleaseRef ref, List<String> expectedFeatures) {
        String release = "release " + oneLine(ref.modelName()) + "/" + oneLine(ref.version()) + " refused: ";
        String uri = ref.checkpointUri();
        byte[] bytes;
        try {
            bytes = store.read(uri);
        } catch (CheckpointException e) {
            throw new ReleaseRefusedException(Reason.MISSING, release + e.getMessage(), e);
        }
        String sha256 = CheckpointIdentity.sha256Hex(bytes);
        if (!sha256.equalsIgnoreCase(String.valueOf(ref.sha256()))) {
            throw new ReleaseRefusedException(Reason.CHECKSUM, release + "expected SHA-256 " + oneLine(ref.sha256())
                    + " of " + uri + ", got " + sha256);
        }
        String version = CheckpointIdentity.version(sha256);
        if (!version.equalsIgnoreCase(String.valueOf(ref.version()))) {
            throw new ReleaseRefusedException(Reason.CHECKSUM, release + "expected version " + oneLine(ref.version())
                    + ", got " + version + " (the first 16 hex digits of the file's SHA-256)");
        }
        if (verifier != null) {
            if (ref.signature() == null) {
                throw new ReleaseRefusedException(Reason.SIGNATURE, release + "expected a signature (signatures are"
                        + " required), got none");
            }
            if (!verifier.verify(ref.modelName(), sha256, ref.signature())) {
                throw new ReleaseRefusedException(Reason.SIGNATURE, release + "expected a signature of model "
                        + oneLine(ref.modelName()) + " and SHA-256 " + sha256 + " by the key in " + verifier.source()
                        + ", got one that does not verify");
            }
        }
        FlowState state;
        try {
            state = CheckpointCodec.decode(bytes, uri);
        } catch (CheckpointException e) {
            throw new ReleaseRefusedException(Reason.CORRUPT, release + e.getMessage(), e);
        }
        try {
            checkFinite(state);
        } catch (ReleaseRefusedException e) {
            throw new ReleaseRefusedException(Reason.NON_FINITE, release + e.getMessage(), e);
        }
        List<String> names = List.of(state.manifest().schema().names());
        checkFeatures(release, "the release's", ref.featureNames(), names);
        if (expectedFeatures != null) {
            checkFeatures(release, "the scorer's", expectedFeatures, names);
        }
        checkKind(release, ref.modelKind(), state.manifest());
        try {
            return Checkpoints.load(state, sha256, uri, device);
        } catch (CheckpointException e) {
            throw new ReleaseRefusedException(Reason.CORRUPT, release + e.getMessage(), e);
        }
    }

    /**
     * Refuses a state holding a NaN or infinity in any tensor, feature preprocessing constant or calibration mean
     * and standard deviation: one such value makes every score NaN, which no threshold flags. For the retrainer's
     * validation gate as well as the loader.
     *
     * @throws ReleaseRefusedException with {@link Reason#NON_FINITE}, naming the first such value and the count
     */
    public static void checkFinite(FlowState state) {
        String first = null;
        long count = 0;
        for (Map.Entry<String, Tensor> e : state.tensors().entrySet()) {
            float[] values = e.getValue().values();
            for (int i = 0; i < values.length; i++) {
                if (!Float.isFinite(values[i])) {
                    count++;
                    first = first != null ? first : values[i] + " in tensor '" + e.getKey() + "' at " + i;
                }
            }
        }
        for (FeatureSpec f : state.manifest().schema().features()) {
            float[] constants = {f.quantum(), f.centre(), f.scale(), f.postCentre(), f.postScale()};
            for (float c : constants) {
                if (!Float.isFinite(c)) {
                    count++;
                    first = first != null ? first : c + " in the preprocessing of feature '" + f.name() + "'";
                }
            }
        }
        Calibration cal = state.manifest().calibration();
        if (cal != null) {
            for (double m : new double[] {cal.mean(), cal.std()}) {
                if (!Double.isFinite(m)) {
                    count++;
                    first = first != null ? first : m + " in the calibration's mean or standard deviation";
                }
            }
        }
        if (first != null) {
            throw new ReleaseRefusedException(Reason.NON_FINITE, "expected finite values only, got " + first + " ("
                    + count + " non-finite in all)");
        }
    }

    private static void checkFeatures(String release, String whose, List<String> expected, List<String> got) {
        if (expected == null) {
            throw new ReleaseRefusedException(Reason.FEATURES, release + "expected " + whose + " feature names, got"
                    + " none");
        }
        if (expected.size() != got.size()) {
            throw new ReleaseRefusedException(Reason.FEATURES, release + "expected " + expected.size() + " features ("
                    + whose + "), got " + got.size() + " in the checkpoint");
        }
        for (int i = 0; i < got.size(); i++) {
            if (!got.get(i).equals(expected.get(i))) {
                throw new ReleaseRefusedException(Reason.FEATURES, release + "expected feature " + i + " to be "
                        + CheckpointIdentity.quote(expected.get(i)) + " (" + whose + "), got "
                        + CheckpointIdentity.quote(got.get(i)) + " in the checkpoint");
            }
        }
    }

    private static void checkKind(String release, String claimed, Manifest manifest) {
        String spec = manifest.spec().kind().name();
        String stated = canonicalKind(manifest.modelKind());
        if (!spec.equals(canonicalKind(claimed)) || !spec.equals(stated)) {
            throw new ReleaseRefusedException(Reason.KIND, release + "expected a " + oneLine(claimed) + " flow, got "
                    + spec + (spec.equals(stated) ? "" : " (the manifest says " + oneLine(manifest.modelKind()) + ")"));
        }
    }

    private static String canonicalKind(String kind) {
        return kind == null ? "" : kind.strip().toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String oneLine(String s) {
        return s == null ? "none" : s.replace("\n", "\\n").replace("\r", "\\r");
    }
}
