package io.flowguard.ingest.nab;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.flowguard.ingest.IngestException;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One of NAB's application profiles: the weights of a detected window (true positive), a missed window (false
 * negative) and a detection outside every window (false positive). NAB's {@code profiles.json} also carries a
 * true-negative weight, which its scoring never uses.
 */
public record CostProfile(String name, double tpWeight, double fnWeight, double fpWeight) {

    /** Reads every profile of a {@code profiles.json} ({@code {"standard": {"CostMatrix": {...}}, ...}}), in order. */
    public static Map<String, CostProfile> read(Path file) {
        JsonObject root;
        try (Reader in = io.flowguard.ingest.source.TextFiles.open(file)) {
            JsonElement parsed = JsonParser.parseReader(in);
            if (!parsed.isJsonObject()) {
                throw new IngestException(file + ": expected a JSON object of profiles, got " + parsed);
            }
            root = parsed.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            if (e instanceof IngestException ie) {
                throw ie;
            }
            throw new IngestException(file + ": cannot read the cost profiles: " + e.getMessage());
        }
        Map<String, CostProfile> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> p : root.entrySet()) {
            JsonElement matrix = p.getValue().isJsonObject() ? p.getValue().getAsJsonObject().get("CostMatrix") : null;
            if (matrix == null || !matrix.isJsonObject()) {
                throw new IngestException(file + ": profile '" + p.getKey() + "': expected a CostMatrix object");
            }
            JsonObject m = matrix.getAsJsonObject();
            out.put(p.getKey(), new CostProfile(p.getKey(), weight(file, p.getKey(), m, "tpWeight"),
                    weight(file, p.getKey(), m, "fnWeight"), weight(file, p.getKey(), m, "fpWeight")));
        }
        if (out.isEmpty()) {
            throw new IngestException(file + ": expected at least one profile, got none");
        }
        return out;
    }

    private static double weight(Path file, String profile, JsonObject m, String name) {
        JsonElement w = m.get(name);
        if (w == null || !w.isJsonPrimitive() || !w.getAsJsonPrimitive().isNumber()) {
            throw new IngestException(file + ": profile '" + profile + "': expected a number for " + name + ", got "
                    + w);
        }
        return w.getAsDouble();
    }
}
