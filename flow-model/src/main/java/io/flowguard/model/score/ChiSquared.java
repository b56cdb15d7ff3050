package io.flowguard.model.score;

/** The chi-squared distribution function, for typicality tests on the latent norm {@code ||z||^2}. */
public final class ChiSquared {

    private static final double[] LANCZOS = {676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};

    private ChiSquared() {}

    /** {@code P(X <= x)} for {@code X ~ chi^2(degrees)}: the regularised lower incomplete gamma P(d/2, x/2). */
    public static double cdf(double x, int degrees) {
        if (!(x > 0)) {
            return 0;
        }
        double s = degrees / 2.0;
        double t = x / 2;
        if (t < s + 1) {
            double term = 1 / s;
            double sum = term;
            for (int n = 1; n < 10_000 && term > sum * 1e-16; n++) {
                term *= t / (s + n);
                sum += term;
            }
            return Math.min(1, sum * StrictMath.exp(-t + s * StrictMath.log(t) - logGamma(s)));
        }
        // Continued fraction for the upper tail (Lentz), as in Numerical Recipes' gcf.
        double b = t + 1 - s;
        double c = 1 / 1e-300;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < 10_000; i++) {
            double an = -i * (i - s);
            b += 2;
            d = an * d + b;
            d = Math.abs(d) < 1e-300 ? 1e-300 : d;
            c = b + an / c;
            c = Math.abs(c) < 1e-300 ? 1e-300 : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.max(0, 1 - StrictMath.exp(-t + s * StrictMath.log(t) - logGamma(s)) * h);
    }

    /** log Gamma(x) for x > 0 (Lanczos, g = 7). */
    static double logGamma(double x) {
        if (x < 0.5) {
            return StrictMath.log(Math.PI / Math.abs(StrictMath.sin(Math.PI * x))) - logGamma(1 - x);
        }
        double y = x - 1;
        double a = 0.99999999999980993;
        double t = y + 7.5;
        for (int i = 0; i < LANCZOS.length; i++) {
            a += LANCZOS[i] / (y + i + 1);
        }
        return 0.5 * StrictMath.log(2 * Math.PI) + (y + 0.5) * StrictMath.log(t) - t + StrictMath.log(a);
    }
}
