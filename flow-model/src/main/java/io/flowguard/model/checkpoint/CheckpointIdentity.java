package io.flowguard.model.checkpoint;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A checkpoint's identity is the SHA-256 of its whole file: magic, manifest (spec, feature schema, calibration,
 * provenance), parameters and trailer. The payload hash alone ({@link Manifest#parametersVersion()}) would give an
 * edited calibration or schema the same version as the original, so that two checkpoints scoring differently could
 * not be told apart in a score record or a release.
 */
public final class CheckpointIdentity {

    /** Hex digits of the SHA-256 in a version id: 64 bits, so an accidental collision needs ~4e9 versions. */
    public static final int VERSION_DIGITS = 16;

    private CheckpointIdentity() {}

    /** Lower-case hex SHA-256 of {@code fileBytes}, the whole checkpoint file. */
    public static String sha256Hex(byte[] fileBytes) {
        return HexFormat.of().formatHex(CheckpointCodec.sha256(fileBytes));
    }

    /**
     * The model version of a checkpoint: the first {@value #VERSION_DIGITS} hex digits of its whole-file SHA-256,
     * lower-cased.
     *
     * @throws CheckpointException when {@code sha256Hex} is not 64 hex digits
     */
    public static String version(String sha256Hex) {
        requireSha256(sha256Hex);
        return sha256Hex.substring(0, VERSION_DIGITS).toLowerCase(Locale.ROOT);
    }

    /** True when {@code s} is {@value #VERSION_DIGITS} lower-case hex digits, the only shape a version has. */
    static boolean isVersion(String s) {
        return s != null && s.length() == VERSION_DIGITS && isLowerHex(s);
    }

    static void requireSha256(String sha256Hex) {
        if (sha256Hex == null || sha256Hex.length() != 64 || !isLowerHex(sha256Hex.toLowerCase(Locale.ROOT))) {
            throw new CheckpointException("expected a SHA-256 of 64 hex digits, got " + quote(sha256Hex));
        }
    }

    private static boolean isLowerHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** A value for a one-line message: quoted, cut to 80 characters, line breaks escaped. */
    static String quote(String s) {
        if (s == null) {
            return "none";
        }
        String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
        return "'" + shown.replace("\n", "\\n").replace("\r", "\\r") + "'";
    }
}
