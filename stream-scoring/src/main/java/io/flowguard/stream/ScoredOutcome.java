package io.flowguard.stream;

import io.flowguard.model.score.ScoreBatch;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.ScoreResult;
import io.flowguard.schemas.ScoreResultWriter;
import io.flowguard.schemas.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * What one event produced: always a score (row {@code index} of {@code batch}), and an alert when the decision layer
 * flagged it (else null). The score stays in the batch's arrays until it is written: {@link #encode} writes the wire
 * bytes directly, {@link #score} builds the Avro record for whoever wants the object.
 */
public record ScoredOutcome(EventIdentity event, String modelVersion, ScoreBatch batch, int index, Verdict verdict,
        Alert alert) {

    public double logLikelihood() {
        return batch.logLikelihood(index);
    }

    /** The score in single-object encoding, the same bytes as encoding {@link #score()}. */
    public byte[] encode(ScoreResultWriter writer, float[] scratch) {
        int d = batch.features();
        batch.copyContributions(index, scratch, 0);
        return writer.write(event.eventId(), event.key(), event.eventTime().toEpochMilli(), modelVersion,
                batch.logLikelihood(index), batch.bitsPerDimension(index), batch.typicality(index),
                batch.latentSquaredNorm(index), scratch, 0, d, verdict);
    }

    public ScoreResult score() {
        List<Float> contributions = new ArrayList<>(batch.features());
        for (int j = 0; j < batch.features(); j++) {
            contributions.add(batch.contribution(index, j));
        }
        return ScoreResult.newBuilder().setEventId(event.eventId()).setKey(event.key())
                .setEventTime(event.eventTime()).setModelVersion(modelVersion)
                .setLogLikelihood(batch.logLikelihood(index)).setBitsPerDimension(batch.bitsPerDimension(index))
                .setTypicality(batch.typicality(index)).setLatentSquaredNorm(batch.latentSquaredNorm(index))
                .setContributions(contributions).setVerdict(verdict).build();
    }
}
