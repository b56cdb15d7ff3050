package io.flowguard.model.train;

/**
 * Linear warm-up to the base rate over {@code warmupSteps}, then a decay to {@code minFactor * base} at
 * {@code totalSteps}: cosine, {@code min + (base - min) (1 + cos(pi t)) / 2}, or polynomial,
 * {@code min + (base - min) (1 - t)^power}, with {@code t} the fraction of the decay phase done.
 */
public record LearningRateSchedule(Kind kind, double base, int warmupSteps, int totalSteps, double minFactor,
        double power) {

    /** Decay shape after warm-up. */
    public enum Kind { COSINE, POLYNOMIAL, CONSTANT }

    /** Learning rate at 0-based optimiser step {@code step}. */
    public double at(int step) {
        if (warmupSteps > 0 && step < warmupSteps) {
            return base * (step + 1) / warmupSteps;
        }
        if (kind == Kind.CONSTANT) {
            return base;
        }
        double span = Math.max(1, totalSteps - warmupSteps);
        double t = Math.min(1.0, (step - warmupSteps) / span);
        double min = base * minFactor;
        double shape = kind == Kind.COSINE ? 0.5 * (1 + StrictMath.cos(Math.PI * t)) : StrictMath.pow(1 - t, power);
        return min + (base - min) * shape;
    }
}
