package io.flowguard.retrainer;

/** Exact binomial tail probabilities (summed in log space), for the validation gate's alert-rate tolerance. */
final class Binomial {

    private Binomial() {}

    /** {@code P(X >= k)} for {@code X ~ Binomial(n, p)}. */
    static double upperTail(long n, double p, long k) {
        if (k <= 0) {
            return 1;
        }
        if (k > n) {
            return 0;
        }
        double sum = 0;
        for (long i = k; i <= n; i++) {
            double term = Math.exp(logPmf(n, p, i));
            sum += term;
            if (i > n * p && term < sum * 1e-16) {
                break;
            }
        }
        return Math.min(1, sum);
    }

    /** {@code P(X <= k)} for {@code X ~ Binomial(n, p)}. */
    static double lowerTail(long n, double p, long k) {
        if (k < 0) {
            return 0;
        }
        return k >= n ? 1 : 1 - upperTail(n, p, k + 1);
    }

    static double logPmf(long n, double p, long k) {
        if (p <= 0) {
            return k == 0 ? 0 : Double.NEGATIVE_INFINITY;
        }
        if (p >= 1) {
            return k == n ? 0 : Double.NEGATIVE_INFINITY;
        }
        return logGamma(n + 1.0) - logGamma(k + 1.0) - logGamma(n - k + 1.0) + k * Math.log(p)
                + (n - k) * Math.log1p(-p);
    }

    /** Lanczos approximation (g = 7, 9 terms), relative error below 1e-13 for x > 0. */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double[] c = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7};
        double y = x - 1;
        double a = c[0];
        double t = y + 7.5;
        for (int i = 1; i < 9; i++) {
            a += c[i] / (y + i);
        }
        return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
