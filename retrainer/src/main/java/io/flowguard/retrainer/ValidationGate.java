package io.flowguard.retrainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.ScoreBatch;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a freshly trained candidate may replace the serving model. All checks use a holdout taken from the
 * fresh window before training, so neither model has seen it:
 * <ol>
 *   <li>every parameter is finite;
 *   <li>the flow inverts: {@code f^-1(f(x))} returns the holdout rows within {@value #ROUND_TRIP_TOLERANCE}
 *       relative error;
 *   <li>its mean NLL on the holdout (trimmed as the training's likelihood is: each model's least likely share of
 *       the rows left out) is not worse than the serving model's on the same rows by more than
 *       {@code marginPerDimension * d} nats (a model of the old regime scores the new one badly, so after drift the
 *       candidate wins by a wide margin; on an unchanged stream it must merely be as good);
 *   <li>its calibrated per-event alert rate on the holdout is within a binomial tolerance of the policy's per-event
 *       share of the target: with {@code k} alerts on {@code n} rows it is refused when
 *       {@code P(Bin(n, slack * p) >= k) < 1e-3} (too many) or {@code P(Bin(n, p / slack) <= k) < 1e-3} (too few).
 *       The slack (default 2) allows for the unlabelled anomalies every live window holds.
 * </ol>
 */
public final class ValidationGate {

    static final double ROUND_TRIP_TOLERANCE = 1e-3;
    static final double TAIL = 1e-3;
    private static final int ROUND_TRIP_ROWS = 1024;

    private final AlertPolicy policy;
    private final double marginPerDimension;
    private final double slack;
    private final double trim;

    public ValidationGate(AlertPolicy policy, double marginPerDimension, double slack) {
        this(policy, marginPerDimension, slack, 0);
    }

    /**
     * @param trim share of each model's least likely holdout events left out of its mean NLL (the training's
     *     trimmed likelihood): a live holdout holds anomalies whose densities differ between models by tens of nats,
     *     and a handful of them would otherwise decide the comparison
     */
    public ValidationGate(AlertPolicy policy, double marginPerDimension, double slack, double trim) {
        this.policy = policy;
        this.marginPerDimension = marginPerDimension;
        this.slack = slack;
        this.trim = trim;
    }

    /** Judges {@code candidate} (with its calibration) against {@code serving} (null when nothing serves yet). */
    public GateVerdict judge(Scorer candidate, Scorer serving, Matrix holdout) {
        Map<String, Double> m = new LinkedHashMap<>();
        int d = candidate.features();
        m.put("holdout_events", (double) holdout.rows());
        String bad = nonFinite(candidate.flow());
        if (bad != null) {
            return new GateVerdict(false, "parameter " + bad + " is not finite", m);
        }
        if (holdout.rows() < 10) {
            return new GateVerdict(false, "expected a holdout of at least 10 events, got " + holdout.rows(), m);
        }
        double roundTrip = roundTripError(candidate.flow(), holdout);
        m.put("round_trip_error", roundTrip);
        if (!(roundTrip <= ROUND_TRIP_TOLERANCE)) {
            return new GateVerdict(false, String.format(Locale.ROOT, "round trip f^-1(f(x)) off by %.3g (relative),"
                    + " expected at most %.0e", roundTrip, ROUND_TRIP_TOLERANCE), m);
        }
        ScoreBatch scores = candidate.score(holdout);
        double nll = -trimmedMean(scores.logLikelihoods(), trim);
        m.put("candidate_nll", nll);
        if (!Double.isFinite(nll)) {
            return new GateVerdict(false, "candidate NLL on the holdout is not finite", m);
        }
        double margin = marginPerDimension * d;
        if (serving != null && serving.features() == d) {
            double servingNll = -trimmedMean(serving.score(holdout).logLikelihoods(), trim);
            m.put("serving_nll", servingNll);
            if (Double.isFinite(servingNll) && nll > servingNll + margin) {
                return new GateVerdict(false, String.format(Locale.ROOT, "candidate NLL %.4f on the holdout is worse"
                        + " than the serving model's %.4f by more than the margin %.4f nats", nll, servingNll,
                        margin), m);
            }
        }
        if (candidate.calibration() == null) {
            return new GateVerdict(false, "candidate has no calibration", m);
        }
        Thresholds thresholds = policy.thresholds(candidate.calibration(), d);
        long alerts = 0;
        for (int i = 0; i < scores.size(); i++) {
            if (thresholds.judge(scores.logLikelihood(i), scores.latentSquaredNorm(i)) != AlertPolicy.Verdict.NORMAL) {
                alerts++;
            }
        }
        double p = perEventRate();
        int n = holdout.rows();
        m.put("holdout_alerts", (double) alerts);
        m.put("expected_alerts", n * p);
        double tooMany = Binomial.upperTail(n, Math.min(1, slack * p), alerts);
        double tooFew = Binomial.lowerTail(n, p / slack, alerts);
        if (tooMany < TAIL) {
            return new GateVerdict(false, String.format(Locale.ROOT, "%d alerts on %d holdout events, expected about"
                    + " %.1f at the target (P = %.2g under %.0fx the target)", alerts, n, n * p, tooMany, slack), m);
        }
        if (tooFew < TAIL) {
            return new GateVerdict(false, String.format(Locale.ROOT, "%d alerts on %d holdout events, expected about"
                    + " %.1f at the target (P = %.2g under 1/%.0f of it)", alerts, n, n * p, tooFew, slack), m);
        }
        String vs = m.containsKey("serving_nll")
                ? String.format(Locale.ROOT, " vs serving %.4f", m.get("serving_nll")) : " (nothing serving)";
        return new GateVerdict(true, String.format(Locale.ROOT, "holdout NLL %.4f%s, %d alerts on %d events "
                + "(expected %.1f), round trip %.1e", nll, vs, alerts, n, n * p, roundTrip), m);
    }

    /** The policy's per-event tests' share of the false-alarm budget (the window tests are not run on a holdout). */
    double perEventRate() {
        double a = policy.falseAlarmRate();
        return policy.rule() == AlertPolicy.Rule.PLAIN ? a : 0.75 * a;
    }

    /** The first parameter holding NaN or infinity, or null. */
    static String nonFinite(Flow flow) {
        for (Pair<String, Parameter> p : flow.getParameters()) {
            if (p.getValue().getArray() == null) {
                continue;
            }
            for (float v : p.getValue().getArray().toFloatArray()) {
                if (!Float.isFinite(v)) {
                    return p.getKey();
                }
            }
        }
        return null;
    }

    /** Largest {@code |x - f^-1(f(x))| / (1 + |x|)} over (up to) the first 1,024 holdout rows. */
    static double roundTripError(Flow flow, Matrix rows) {
        Matrix x = rows.slice(0, Math.min(rows.rows(), ROUND_TRIP_ROWS));
        try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray in = manager.create(x.values(), new Shape(x.rows(), x.cols()));
            float[] back = flow.inverse(flow.toLatent(in)).value().toFloatArray();
            double worst = 0;
            float[] v = x.values();
            for (int i = 0; i < v.length; i++) {
                double e = Math.abs(v[i] - back[i]) / (1 + Math.abs(v[i]));
                worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : Math.max(worst, e);
            }
            return worst;
        }
    }

    /** Mean of all but the lowest {@code trim} share of {@code values}. */
    private static double trimmedMean(float[] values, double trim) {
        float[] v = values.clone();
        java.util.Arrays.sort(v);
        int from = (int) Math.round(trim * v.length);
        double sum = 0;
        for (int i = from; i < v.length; i++) {
            sum += v[i];
        }
        return sum / (v.length - from);
    }
}
