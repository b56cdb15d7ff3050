package io.flowguard.retrainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Binomial tails against direct sums, published values and the Poisson limit; log-gamma against known values. */
class BinomialTest {

    /** C(n, k) p^k (1 - p)^(n - k) with the coefficient built by exact integer multiplication (n <= 60). */
    private static double pmf(int n, double p, int k) {
        long c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i;
        }
        return c * Math.pow(p, k) * Math.pow(1 - p, n - k);
    }

    @Test
    void smallTailsMatchTheDirectSums() {
        int n = 10;
        double p = 0.3;
        for (int k = 0; k <= n; k++) {
            double upper = 0;
            for (int i = k; i <= n; i++) {
                upper += pmf(n, p, i);
            }
            double lower = 0;
            for (int i = 0; i <= k; i++) {
                lower += pmf(n, p, i);
            }
            assertEquals(upper, Binomial.upperTail(n, p, k), 1e-12, "P(X >= " + k + ")");
            assertEquals(lower, Binomial.lowerTail(n, p, k), 1e-12, "P(X <= " + k + ")");
            assertEquals(Math.log(pmf(n, p, k)), Binomial.logPmf(n, p, k), 1e-11, "log P(X = " + k + ")");
        }
    }

    @Test
    void smallTailsMatchHandComputedValues() {
        // 0.7^10; 0.3^10; P(X <= 2) = 0.7^10 + 10 * 0.3 * 0.7^9 + 45 * 0.09 * 0.7^8
        assertEquals(0.0282475249, Binomial.lowerTail(10, 0.3, 0), 1e-12);
        assertEquals(5.9049e-6, Binomial.upperTail(10, 0.3, 10), 1e-17);
        assertEquals(0.3827827864, Binomial.lowerTail(10, 0.3, 2), 1e-10);
        assertEquals(1 - 0.3827827864, Binomial.upperTail(10, 0.3, 3), 1e-10);
    }

    @Test
    void edgesAreExact() {
        assertEquals(1, Binomial.upperTail(10, 0.3, 0));
        assertEquals(1, Binomial.upperTail(10, 0.3, -4));
        assertEquals(0, Binomial.upperTail(10, 0.3, 11));
        assertEquals(0, Binomial.lowerTail(10, 0.3, -1));
        assertEquals(1, Binomial.lowerTail(10, 0.3, 10));
        assertEquals(1, Binomial.lowerTail(10, 0.3, 12));
        assertEquals(0, Binomial.upperTail(100, 0, 1));
        assertEquals(1, Binomial.lowerTail(100, 0, 0));
        assertEquals(1, Binomial.upperTail(100, 1, 100));
    }

    /** Poisson(2) tail P(X >= k) = 1 - sum_{j < k} e^-2 2^j / j!. */
    private static double poissonUpper(double lambda, int k) {
        double term = Math.exp(-lambda);
        double below = 0;
        for (int j = 0; j < k; j++) {
            below += term;
            term *= lambda / (j + 1);
        }
        return 1 - below;
    }

    @Test
    void largeNSmallPApproachesThePoissonLimit() {
        long n = 20_000;
        double p = 1e-4;
        for (int k = 1; k <= 12; k++) {
            double poisson = poissonUpper(2, k);
            double binomial = Binomial.upperTail(n, p, k);
            // the binomial and its Poisson limit differ by O(p) relative: here about 1e-4 * k^2
            assertEquals(poisson, binomial, poisson * 2e-4 * (1 + k * k), "P(X >= " + k + ")");
        }
        // exact: 1 - sum_{i < 5} C(20000, i) 1e-4^i (1 - 1e-4)^(20000 - i) in integer/rational arithmetic
        // (the log-gamma differences of numbers near 2e5 leave about 1e-11 relative error)
        assertEquals(0.052643994540370255, Binomial.upperTail(n, p, 5), 1e-10);
        assertEquals(Math.exp(n * Math.log1p(-p)), Binomial.lowerTail(n, p, 0), 1e-11);
        assertEquals(1 - Binomial.upperTail(n, p, 4), Binomial.lowerTail(n, p, 3), 1e-15);
    }

    @Test
    void logGammaMatchesKnownValues() {
        assertEquals(0, Binomial.logGamma(1), 1e-13);
        assertEquals(0, Binomial.logGamma(2), 1e-13);
        assertEquals(Math.log(Math.sqrt(Math.PI)), Binomial.logGamma(0.5), 1e-13);
        assertEquals(Math.log(362880), Binomial.logGamma(10), 1e-12);
        assertEquals(Math.log(9.513507698668731836), Binomial.logGamma(0.1), 1e-12); // reflection branch
        double logFactorial = 0;
        for (int i = 2; i <= 170; i++) {
            logFactorial += Math.log(i);
        }
        assertEquals(logFactorial, Binomial.logGamma(171), 1e-12 * logFactorial);
    }
}
