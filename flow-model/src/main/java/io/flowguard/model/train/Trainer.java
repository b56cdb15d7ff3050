package io.flowguard.model.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.flowguard.model.InvalidInputException;
import io.flowguard.model.bijector.ContinuousTransform;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.LatticeLikelihood;
import io.flowguard.model.nn.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Mini-batch maximum likelihood: minimise {@code -1/B sum_b log p(x_b)} with AdamW, warm-up then cosine or
 * polynomial decay, global gradient-norm clipping, uniform dequantisation of discrete features, and early stopping on
 * a held-out split with best-weights restore. Seeded: the same data, spec and options give the same weights on the
 * same engine and thread count.
 *
 * <p>Native memory: every step runs in its own sub-manager and {@link NDScope}; nothing outlives a step except the
 * parameters and the optimiser's moment buffers.
 */
public final class Trainer {

    private static final int EVAL_BATCH = 8192;
    private static final int INIT_ROWS = 4096;
    private static final int MIN_STEPS_PER_EPOCH = 16;
    private static final int MIN_BATCH = 32;

    private final TrainOptions options;
    private final TrainingListener listener;

    public Trainer(TrainOptions options, TrainingListener listener) {
        this.options = options;
        this.listener = listener;
    }

    /** Splits {@code data} (seeded) into fit and validation rows, then trains. */
    public TrainingReport fit(Flow flow, Matrix data) {
        Matrix[] parts = split(data, options);
        return fit(flow, parts[0], parts[1]);
    }

    /**
     * The seeded split {@link #fit(Flow, Matrix)} uses: {@code [fit rows, validation rows]}, the validation share
     * being {@link TrainOptions#validationFraction()}.
     */
    public static Matrix[] split(Matrix data, TrainOptions options) {
        int[][] idx = splitIndices(data.rows(), options);
        return new Matrix[] {data.selectRows(idx[0]), data.selectRows(idx[1])};
    }

    /** The row indices of {@link #split}: {@code [fit rows, validation rows]}. */
    public static int[][] splitIndices(int rows, TrainOptions options) {
        int validationRows = Math.max(1, (int) Math.round(rows * options.validationFraction()));
        if (rows - validationRows < 2) {
            throw new InvalidInputException("expected at least " + (validationRows + 2)
                    + " training rows for a validation split, got " + rows);
        }
        int[] perm = Matrix.permutation(rows, options.seed() ^ 0x9E3779B97F4A7C15L);
        return new int[][] {java.util.Arrays.copyOfRange(perm, validationRows, perm.length),
            java.util.Arrays.copyOfRange(perm, 0, validationRows)};
    }

    /** Trains on {@code train}, early-stopping on {@code validation}; leaves the best weights in {@code flow}. */
    public TrainingReport fit(Flow flow, Matrix train, Matrix validation) {
        int d = flow.features();
        if (train.cols() != d || validation.cols() != d) {
            throw new InvalidInputException("expected " + d + " feature columns, got " + train.cols()
                    + " (train) and " + validation.cols() + " (validation)");
        }
        train.requireFinite("training data");
        validation.requireFinite("validation data");
        float[] quantum = options.dequantize() ? flow.schema().quanta() : new float[d];
        SplittableRandom noise = new SplittableRandom(options.seed() ^ 0x2545F4914F6CDD1DL);
        // the held-out rows are scored as the Scorer scores them (cell probability of discrete features), not with
        // dequantisation noise: the validation NLL is then the mean of the reported -log-likelihood
        Matrix val = validation;
        double logCellVolume = 0;
        for (float q : quantum) {
            logCellVolume += q > 0 ? Math.log(q) : 0;
        }
        int batch = effectiveBatch(options.batchSize(), train.rows());
        int stepsPerEpoch = Math.max(1, train.rows() / batch);
        int totalSteps = stepsPerEpoch * options.maxEpochs();
        LearningRateSchedule schedule = new LearningRateSchedule(options.schedule(), options.learningRate(),
                (int) Math.round(options.warmupEpochs() * stepsPerEpoch), totalSteps,
                options.minLearningRateFactor(), options.decayPower());

        initializeFromData(flow, train, quantum, noise);
        List<Parameter> all = new ArrayList<>(flow.getParameters().values());
        AdamW optimizer = new AdamW(flow.trainableParameters(), options.weightDecay(), options.clipNorm());
        List<EpochStats> history = new ArrayList<>();
        float[][] best = snapshot(all);
        double bestNll = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        double trainAtBest = Double.NaN;
        int sinceBest = 0;
        int skipped = 0;
        int globalStep = 0;
        String reason = "max-epochs";
        long start = System.nanoTime();
        float[] buffer = new float[batch * d];
        try {
            for (int epoch = 1; epoch <= options.maxEpochs(); epoch++) {
                long epochStart = System.nanoTime();
                int[] order = Matrix.permutation(train.rows(), options.seed() + 31L * epoch);
                double lossSum = 0;
                int lossSteps = 0;
                for (int s = 0; s < stepsPerEpoch; s++) {
                    fillBatch(train, order, s * batch, batch, quantum, noise, buffer);
                    double lr = schedule.at(globalStep++);
                    double loss = step(flow, optimizer, buffer, batch, d, lr, options.trimFraction(), noise);
                    if (Double.isFinite(loss)) {
                        lossSum += loss;
                        lossSteps++;
                    } else {
                        skipped++;
                    }
                }
                double valNll = validationNll(flow, val, options.trimFraction());
                boolean improved = valNll < bestNll - options.minImprovement();
                // minus the log cell volume: the negated dequantisation bound, in the validation NLL's unit (a CNF
                // reports its flow-matching loss, which is not a likelihood)
                double trainNll = lossSteps == 0 ? Double.NaN
                        : lossSum / lossSteps - (flow.continuous() == null ? logCellVolume : 0);
                if (improved) {
                    best = snapshot(all);
                    bestNll = valNll;
                    bestEpoch = epoch;
                    trainAtBest = trainNll;
                    sinceBest = 0;
                } else {
                    sinceBest++;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
                EpochStats stats = new EpochStats(epoch, options.maxEpochs(), trainNll, valNll,
                        schedule.at(globalStep - 1), stepsPerEpoch * (double) batch / epochSeconds, seconds, improved);
                history.add(stats);
                listener.onEpoch(stats);
                if (sinceBest >= options.patience()) {
                    reason = "early-stop";
                    break;
                }
                if (options.maxSeconds() > 0 && seconds >= options.maxSeconds()) {
                    reason = "time-budget";
                    break;
                }
            }
        } finally {
            optimizer.close();
        }
        restore(all, best);
        double seconds = (System.nanoTime() - start) / 1e9;
        double events = (double) history.size() * stepsPerEpoch * batch;
        return new TrainingReport(history, bestEpoch, bestNll, trainAtBest, train.rows(), validation.rows(), seconds,
                events / seconds, reason, skipped);
    }

    /** One optimiser step; returns the (trimmed) batch NLL, NaN if the step was skipped. */
    private static double step(Flow flow, AdamW optimizer, float[] buffer, int batch, int d, double lr,
            double trim, SplittableRandom random) {
        try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = manager.create(buffer, new Shape(batch, d));
            NDArray loss;
            ContinuousTransform continuous = flow.continuous();
            // a CNF learns its velocity field by flow matching, a regression with no ODE solve (its preprocessing
            // is fixed, so it needs no gradient); the other families maximise the (trimmed) likelihood
            NDArray into = continuous == null ? null : flow.intoLastLayer(x);
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                if (continuous != null) {
                    loss = continuous.matchingLoss(into, random);
                } else {
                    NDArray logProb = flow.evaluate(x, true).logProb();
                    int dropped = (int) Math.round(trim * batch);
                    if (dropped > 0) {
                        logProb = logProb.sort().get(dropped + ":");
                    }
                    loss = logProb.mean().neg();
                }
                collector.backward(loss);
            }
            double value = loss.getFloat();
            double norm = optimizer.gradientNorm();
            if (!Double.isFinite(value) || !Double.isFinite(norm)) {
                optimizer.discardGradients();
                return Double.NaN;
            }
            optimizer.update(lr, norm);
            return value;
        }
    }

    private static void initializeFromData(Flow flow, Matrix train, float[] quantum, SplittableRandom noise) {
        int rows = Math.min(INIT_ROWS, train.rows());
        int[] idx = Matrix.permutation(train.rows(), 17L);
        Matrix sample = dequantized(train.selectRows(java.util.Arrays.copyOf(idx, rows)), quantum, noise);
        try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            flow.initializeFromData(manager.create(sample.values(), new Shape(rows, train.cols())));
        }
    }

    /**
     * The configured batch size, reduced on small data so that an epoch has at least {@value #MIN_STEPS_PER_EPOCH}
     * optimiser steps (never below {@value #MIN_BATCH} events or above the row count).
     */
    static int effectiveBatch(int configured, int rows) {
        return Math.min(rows, Math.min(configured, Math.max(MIN_BATCH, rows / MIN_STEPS_PER_EPOCH)));
    }

    /**
     * Mean NLL per event in inference mode: the negative of what the Scorer reports as the log-likelihood
     * ({@link LatticeLikelihood}: the density, or the log-probability of the lattice cell of discrete features).
     */
    public static double validationNll(Flow flow, Matrix data) {
        return validationNll(flow, data, 0);
    }

    /** As {@link #validationNll(Flow, Matrix)} over all but the {@code trim} share of least likely events. */
    public static double validationNll(Flow flow, Matrix data, double trim) {
        LatticeLikelihood likelihood = LatticeLikelihood.of(flow.schema());
        float[] logProb = new float[data.rows()];
        for (int from = 0; from < data.rows(); from += EVAL_BATCH) {
            int to = Math.min(data.rows(), from + EVAL_BATCH);
            Matrix part = data.slice(from, to);
            try (NDManager manager = flow.manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray x = manager.create(part.values(), new Shape(part.rows(), part.cols()));
                float[] ll = likelihood.logLikelihood(flow, part.values(), part.rows(), flow.logProb(x).toFloatArray());
                System.arraycopy(ll, 0, logProb, from, to - from);
            }
        }
        int dropped = (int) Math.round(trim * logProb.length);
        if (dropped > 0) {
            java.util.Arrays.sort(logProb);
        }
        double sum = 0;
        for (int i = dropped; i < logProb.length; i++) {
            sum += logProb[i];
        }
        return -sum / (logProb.length - dropped);
    }

    private static void fillBatch(Matrix data, int[] order, int from, int batch, float[] quantum,
            SplittableRandom noise, float[] out) {
        int d = data.cols();
        float[] v = data.values();
        for (int b = 0; b < batch; b++) {
            System.arraycopy(v, order[from + b] * d, out, b * d, d);
            for (int j = 0; j < d; j++) {
                if (quantum[j] > 0) {
                    out[b * d + j] += (float) (quantum[j] * (noise.nextDouble() - 0.5));
                }
            }
        }
    }

    static Matrix dequantized(Matrix data, float[] quantum, SplittableRandom noise) {
        float[] v = data.values().clone();
        int d = data.cols();
        for (int i = 0; i < v.length; i++) {
            if (quantum[i % d] > 0) {
                v[i] += (float) (quantum[i % d] * (noise.nextDouble() - 0.5));
            }
        }
        return new Matrix(data.rows(), d, v);
    }

    private static float[][] snapshot(List<Parameter> parameters) {
        float[][] out = new float[parameters.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = parameters.get(i).getArray().toFloatArray();
        }
        return out;
    }

    private static void restore(List<Parameter> parameters, float[][] values) {
        for (int i = 0; i < values.length; i++) {
            Tensors.assign(parameters.get(i).getArray(), values[i]);
        }
    }
}
