package io.flowguard.stream;

import io.flowguard.model.data.Matrix;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.AttributionBatch;
import io.flowguard.model.score.Decision;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import io.flowguard.model.score.TypicalityWindow;
import io.flowguard.schemas.Alert;
import io.flowguard.schemas.FeatureContribution;
import io.flowguard.schemas.Severity;
import io.flowguard.schemas.Verdict;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores a batch of validated events with the model now in the slot and turns the scores into wire records. The
 * slot is leased once per batch, so a model swap takes effect atomically between batches: no event is scored by a
 * mix of models, none twice. The decision per event is the {@link AlertPolicy} resolved against the model's
 * calibration (once per model version), with the key's typicality window kept by the caller's {@link Windows}
 * (a state store in a stream). No Kafka here: the stream adapters (Kafka Streams, Flink) call it.
 */
public final class BatchScorer {

    /** How many features an alert names. */
    public static final int TOP_FEATURES = 3;
    /** Alerted events per batch that get attributions (the rest carry none: see {@link #score}). */
    public static final int ATTRIBUTED_PER_BATCH = 64;

    /** Where the per-key typicality windows live between batches. */
    public interface Windows {
        /** The window of {@code key} (a new empty one of {@code size} events when there is none). */
        TypicalityWindow get(String key, int size, String modelVersion);

        void put(String key, TypicalityWindow window);
    }

    /** Thresholds resolved for one model. */
    private record Resolved(Scorer model, Thresholds thresholds) {}

    private final ModelSlot model;
    private final AlertPolicy policy;
    private volatile Resolved resolved;

    public BatchScorer(ModelSlot model, AlertPolicy policy) {
        this.model = model;
        this.policy = policy;
    }

    /** The model now serving (the one the next batch will use), for its names; score under {@link #acquire}. */
    public Scorer current() {
        return model.current();
    }

    /** A lease on the serving model for one batch: the model stays loaded until the lease is closed. */
    public ModelSlot.Lease acquire() {
        return model.acquire();
    }

    public AlertPolicy policy() {
        return policy;
    }

    /**
     * Scores, decides and builds the wire records of one batch. Alerts name their top features for at most
     * {@link #ATTRIBUTED_PER_BATCH} alerted events of the batch (those with the largest margins); the others carry an
     * empty list, which keeps a burst of alerts from stalling the stream on attributions.
     *
     * @param events validated events
     * @param rows their feature rows in the model's feature order, {@code events.size() x d} row-major
     */
    public List<ScoredOutcome> score(Scorer scorer, List<EventIdentity> events, float[] rows, Windows windows) {
        int d = scorer.features();
        ScoreBatch batch = scorer.score(new Matrix(events.size(), d, rows));
        Thresholds thresholds = thresholds(scorer);
        String[] names = scorer.flow().schema().names();
        String version = scorer.modelVersion();
        Verdict[] verdicts = new Verdict[events.size()];
        Decision[] decisions = new Decision[events.size()];
        int alerts = 0;
        for (int i = 0; i < events.size(); i++) {
            EventIdentity e = events.get(i);
            Decision decision = null;
            if (thresholds != null) {
                TypicalityWindow window = thresholds.window() > 0 && windows != null
                        ? windows.get(e.key(), thresholds.window(), version) : null;
                decision = thresholds.decide(batch.logLikelihood(i), batch.latentSquaredNorm(i), window, version);
                if (window != null) {
                    windows.put(e.key(), window);
                }
            }
            decisions[i] = decision;
            verdicts[i] = decision == null ? Verdict.NORMAL : verdict(decision.verdict());
            alerts += verdicts[i] == Verdict.NORMAL ? 0 : 1;
        }
        // Attributions cost ~160 density evaluations per feature and row: only alerted events get them, in one pass,
        // and at most ATTRIBUTED_PER_BATCH of them (the largest margins first), so that an incident that flags every
        // event (a drifted season, a fleet-wide outage) slows the stream by a bounded amount instead of stalling it.
        int[] attributedRow = new int[events.size()];
        Arrays.fill(attributedRow, -1);
        Integer[] flagged = new Integer[alerts];
        for (int i = 0, a = 0; i < events.size(); i++) {
            if (verdicts[i] != Verdict.NORMAL) {
                flagged[a++] = i;
            }
        }
        Arrays.sort(flagged, (x, y) -> Double.compare(decisions[y].margin(), decisions[x].margin()));
        int[] alerted = new int[Math.min(alerts, ATTRIBUTED_PER_BATCH)];
        for (int a = 0; a < alerted.length; a++) {
            alerted[a] = flagged[a];
        }
        Arrays.sort(alerted);
        for (int a = 0; a < alerted.length; a++) {
            attributedRow[alerted[a]] = a;
        }
        AttributionBatch attributions = alerted.length == 0 ? null
                : scorer.attribute(new Matrix(events.size(), d, rows).selectRows(alerted));
        List<ScoredOutcome> out = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventIdentity e = events.get(i);
            Verdict verdict = verdicts[i];
            Alert alert = verdict == Verdict.NORMAL ? null : Alert.newBuilder().setEventId(e.eventId())
                    .setKey(e.key()).setEventTime(e.eventTime()).setReason(verdict)
                    .setSeverity(decisions[i].critical() ? Severity.CRITICAL : Severity.WARNING)
                    .setScore(-batch.logLikelihood(i)).setModelVersion(version)
                    .setTopFeatures(attributedRow[i] < 0 ? List.of()
                            : topFeatures(attributions, attributedRow[i], names, rows, i, d))
                    .setContext(e.context()).build();
            out.add(new ScoredOutcome(e, version, batch, i, verdict, alert));
        }
        return out;
    }

    private static Verdict verdict(AlertPolicy.Verdict v) {
        return switch (v) {
            case NORMAL -> Verdict.NORMAL;
            case LOW_DENSITY -> Verdict.LOW_DENSITY;
            case HIGH_DENSITY_ATYPICAL -> Verdict.HIGH_DENSITY_ATYPICAL;
            case WINDOW_TYPICALITY -> Verdict.WINDOW_TYPICALITY;
        };
    }

    /** The policy resolved against {@code scorer}'s calibration; null for an uncalibrated model (no alerts). */
    private Thresholds thresholds(Scorer scorer) {
        Resolved r = resolved;
        if (r == null || r.model() != scorer) {
            r = new Resolved(scorer, scorer.calibration() == null ? null
                    : policy.thresholds(scorer.calibration(), scorer.features()));
            resolved = r;
        }
        return r.thresholds();
    }

    /**
     * The features whose conditional given every other feature has the smallest two-sided tail, most anomalous
     * first, with their {@code z} and {@code log p(x_j | x_-j)} ({@link AttributionBatch}).
     *
     * @param a the event's row in {@code attributions}
     * @param i the event's row in {@code rows}
     */
    private static List<FeatureContribution> topFeatures(AttributionBatch attributions, int a, String[] names,
            float[] rows, int i, int d) {
        List<FeatureContribution> top = new ArrayList<>(TOP_FEATURES);
        for (int j : attributions.mostAnomalousFeatures(a, TOP_FEATURES)) {
            top.add(new FeatureContribution(names[j], (double) rows[i * d + j],
                    attributions.logConditionalDensity(a, j), attributions.z(a, j)));
        }
        return top;
    }
}
