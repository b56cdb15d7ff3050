package io.flowguard.model.score;

/**
 * Standard normal tail probabilities and quantiles in log space, accurate far into the tails (a conditional z of 40
 * is a log tail of about -804, far below what a double holds as a probability).
 */
public final class Normal {

    private static final double LOG_SQRT_TWO_PI = 0.5 * StrictMath.log(2 * Math.PI);
    private static final double ASYMPTOTIC_FROM = 8;

    private Normal() {}

    /** {@code log P(Z > z) = log (1 - Phi(z))}, for any finite {@code z}. */
    public static double logUpperTail(double z) {
        if (z < ASYMPTOTIC_FROM) {
            return StrictMath.log(0.5 * erfc(z / Math.sqrt(2)));
        }
        // Mills ratio series: 1 - Phi(z) = phi(z) / z * (1 - 1/z^2 + 3/z^4 - 15/z^6 + 105/z^8 - ...)
        double r = 1 / (z * z);
        double series = 1 - r * (1 - 3 * r * (1 - 5 * r * (1 - 7 * r)));
        return -0.5 * z * z - LOG_SQRT_TWO_PI - StrictMath.log(z) + StrictMath.log(series);
    }

    /**
     * The {@code z >= 0} with {@code log P(Z > z) = logTail}, for {@code logTail <= log 1/2}: the inverse of
     * {@link #logUpperTail}. Newton's method on the log tail from an asymptotic start, to about 1e-9.
     */
    public static double upperQuantileOfLogTail(double logTail) {
        if (!(logTail < StrictMath.log(0.5))) {
            return 0;
        }
        if (logTail == Double.NEGATIVE_INFINITY) {
            return Double.POSITIVE_INFINITY;
        }
        double t = -2 * logTail;
        double z = t > 2 ? Math.sqrt(Math.max(0, t - StrictMath.log(t) - StrictMath.log(2 * Math.PI))) : 0.5;
        for (int i = 0; i < 50; i++) {
            double lt = logUpperTail(z);
            // d/dz log(1 - Phi(z)) = -phi(z) / (1 - Phi(z))
            double slope = -StrictMath.exp(-0.5 * z * z - LOG_SQRT_TWO_PI - lt);
            double step = (lt - logTail) / slope;
            double next = Math.max(0, z - step);
            if (Math.abs(next - z) < 1e-10 * Math.max(1, z)) {
                return next;
            }
            z = next;
        }
        return z;
    }

    /**
     * Complementary error function with relative error below 1.2e-7 everywhere (the Chebyshev fit of Numerical
     * Recipes, 2nd ed., section 6.2).
     */
    static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double ans = t * StrictMath.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2 - ans;
    }
}
