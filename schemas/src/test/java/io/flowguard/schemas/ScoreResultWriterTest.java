package io.flowguard.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written encoder writes byte for byte what the Avro encoder writes, and the decoder reads it back. */
class ScoreResultWriterTest {

    private final WireCodec<ScoreResult> codec = WireCodec.of(ScoreResult.class);

    @Test
    void writesTheSameBytesAsAvro() {
        Random random = new Random(5);
        ScoreResultWriter writer = new ScoreResultWriter();
        String[] ids = {"e-1", "", "événement-ü", "k".repeat(300), "传感器-7"};
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 1e-300};
        for (int trial = 0; trial < 500; trial++) {
            int d = trial % 7 == 0 ? 0 : 1 + random.nextInt(64);
            int offset = random.nextInt(5);
            float[] contributions = new float[offset + d];
            List<Float> boxed = new ArrayList<>();
            for (int j = 0; j < d; j++) {
                contributions[offset + j] = trial % 11 == 0 && j == 0 ? Float.NaN : (float) random.nextGaussian();
                boxed.add(contributions[offset + j]);
            }
            String id = ids[trial % ids.length] + trial;
            String key = ids[(trial + 2) % ids.length];
            long time = trial % 3 == 0 ? -random.nextInt(1_000_000) : random.nextLong() >>> 20;
            String model = trial % 50 < 25 ? "v" + trial / 50 : "modèle-2";
            double ll = trial % 13 == 0 ? specials[trial % specials.length] : random.nextGaussian() * 30;
            Verdict verdict = Verdict.values()[trial % Verdict.values().length];
            ScoreResult expected = ScoreResult.newBuilder().setEventId(id).setKey(key)
                    .setEventTime(Instant.ofEpochMilli(time)).setModelVersion(model).setLogLikelihood(ll)
                    .setBitsPerDimension(-ll / 7).setTypicality(ll / 3).setLatentSquaredNorm(Math.abs(ll))
                    .setContributions(boxed).setVerdict(verdict).build();
            byte[] written = writer.write(id, key, time, model, ll, -ll / 7, ll / 3, Math.abs(ll), contributions,
                    offset, d, verdict);
            assertArrayEquals(codec.encode(expected), written, "trial " + trial);
            assertArrayEquals(written, codec.encode(codec.decode(written)), "trial " + trial); // NaN != NaN in equals
        }
    }
}
