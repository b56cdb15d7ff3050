package io.flowguard.model.train;

import io.flowguard.model.FlowGuardException;

/**
 * Maximum-likelihood training settings.
 *
 * @param maxEpochs upper bound on epochs (early stopping usually ends sooner)
 * @param batchSize events per optimiser step (fewer on small data: an epoch has at least 16 steps)
 * @param learningRate peak Adam learning rate
 * @param warmupEpochs linear warm-up length, in epochs (fractions allowed)
 * @param schedule decay after warm-up
 * @param minLearningRateFactor final rate as a fraction of the peak
 * @param decayPower exponent of the polynomial schedule
 * @param weightDecay decoupled (AdamW) weight decay per step, as a fraction of the learning rate
 * @param clipNorm global gradient-norm bound
 * @param validationFraction share of the training rows held out for early stopping (when not given explicitly)
 * @param patience epochs without a validation improvement before stopping
 * @param minImprovement smallest validation-NLL decrease, in nats, that counts as an improvement
 * @param maxSeconds wall-clock budget in seconds, 0 for none
 * @param dequantize add one lattice step of uniform noise to discrete features while training
 * @param trimFraction share of each batch's least likely events left out of the loss (trimmed likelihood, robust
 *     to anomalies in the training data); the same share is trimmed from the validation NLL. 0 = plain maximum
 *     likelihood
 * @param seed seed for shuffling, splits and noise
 */
public record TrainOptions(int maxEpochs, int batchSize, double learningRate, double warmupEpochs,
        LearningRateSchedule.Kind schedule, double minLearningRateFactor, double decayPower, double weightDecay,
        double clipNorm, double validationFraction, int patience, double minImprovement, double maxSeconds,
        boolean dequantize, double trimFraction, long seed) {

    public TrainOptions {
        check(maxEpochs >= 1, "max epochs >= 1", maxEpochs);
        check(batchSize >= 2, "batch size >= 2", batchSize);
        check(learningRate > 0 && learningRate < 1, "0 < learning rate < 1", learningRate);
        check(warmupEpochs >= 0, "warm-up epochs >= 0", warmupEpochs);
        check(schedule != null, "a schedule (cosine|polynomial|constant)", schedule);
        check(minLearningRateFactor >= 0 && minLearningRateFactor <= 1, "0 <= min learning-rate factor <= 1",
                minLearningRateFactor);
        check(decayPower > 0, "decay power > 0", decayPower);
        check(weightDecay >= 0, "weight decay >= 0", weightDecay);
        check(clipNorm > 0, "clip norm > 0", clipNorm);
        check(validationFraction > 0 && validationFraction < 1, "0 < validation fraction < 1", validationFraction);
        check(patience >= 1, "patience >= 1", patience);
        check(minImprovement >= 0, "min improvement >= 0", minImprovement);
        check(maxSeconds >= 0, "max seconds >= 0", maxSeconds);
        check(trimFraction >= 0 && trimFraction < 0.5, "0 <= trim fraction < 0.5", trimFraction);
    }

    private static void check(boolean ok, String expected, Object got) {
        if (!ok) {
            throw new FlowGuardException("expected " + expected + ", got " + got);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with production defaults. */
    public static final class Builder {
        private int maxEpochs = 200;
        private int batchSize = 512;
        private double learningRate = 1e-3;
        private double warmupEpochs = 1;
        private LearningRateSchedule.Kind schedule = LearningRateSchedule.Kind.COSINE;
        private double minLearningRateFactor = 0.01;
        private double decayPower = 1.0;
        private double weightDecay = 1e-4;
        private double clipNorm = 5.0;
        private double validationFraction = 0.15;
        private int patience = 15;
        private double minImprovement = 1e-3;
        private double maxSeconds;
        private boolean dequantize = true;
        private double trimFraction;
        private long seed;

        private Builder() {}

        public Builder optMaxEpochs(int v) {
            maxEpochs = v;
            return this;
        }

        public Builder optBatchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder optLearningRate(double v) {
            learningRate = v;
            return this;
        }

        public Builder optWarmupEpochs(double v) {
            warmupEpochs = v;
            return this;
        }

        public Builder optSchedule(LearningRateSchedule.Kind v) {
            schedule = v;
            return this;
        }

        public Builder optMinLearningRateFactor(double v) {
            minLearningRateFactor = v;
            return this;
        }

        public Builder optDecayPower(double v) {
            decayPower = v;
            return this;
        }

        public Builder optWeightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder optClipNorm(double v) {
            clipNorm = v;
            return this;
        }

        public Builder optValidationFraction(double v) {
            validationFraction = v;
            return this;
        }

        public Builder optPatience(int v) {
            patience = v;
            return this;
        }

        public Builder optMinImprovement(double v) {
            minImprovement = v;
            return this;
        }

        public Builder optMaxSeconds(double v) {
            maxSeconds = v;
            return this;
        }

        public Builder optDequantize(boolean v) {
            dequantize = v;
            return this;
        }

        public Builder optTrimFraction(double v) {
            trimFraction = v;
            return this;
        }

        public Builder optSeed(long v) {
            seed = v;
            return this;
        }

        public TrainOptions build() {
            return new TrainOptions(maxEpochs, batchSize, learningRate, warmupEpochs, schedule,
                    minLearningRateFactor, decayPower, weightDecay, clipNorm, validationFraction, patience,
                    minImprovement, maxSeconds, dequantize, trimFraction, seed);
        }
    }
}
