package io.flowguard.model.bijector;

import static io.flowguard.model.nn.Scalars.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.flowguard.model.FlowGuardException;

/**
 * Monotone rational-quadratic spline with linear tails (Durkan, Bekasov, Murray and Papamakarios, "Neural Spline
 * Flows", NeurIPS 2019, section 3.1 and appendix A).
 *
 * <p>On {@code [-B, B]} the map is a piecewise rational-quadratic through {@code K + 1} knots
 * {@code (x_k, y_k)} with {@code x_0 = y_0 = -B}, {@code x_K = y_K = B} and positive derivatives {@code d_k} at the
 * knots; {@code d_0 = d_K = 1} so that the identity tails outside {@code [-B, B]} join smoothly. In bin {@code k},
 * with {@code s_k = (y_{k+1} - y_k) / w_k}, {@code theta = (x - x_k) / w_k}:
 *
 * <pre>
 *   y = y_k + (y_{k+1} - y_k) [s_k theta^2 + d_k theta (1 - theta)] / [s_k + (d_{k+1} + d_k - 2 s_k) theta (1 - theta)]
 *   dy/dx = s_k^2 [d_{k+1} theta^2 + 2 s_k theta (1 - theta) + d_k (1 - theta)^2] / [s_k + (d_{k+1} + d_k - 2 s_k) theta (1 - theta)]^2
 * </pre>
 *
 * <p>The inverse solves the quadratic {@code a theta^2 + b theta + c = 0} in the numerically stable form
 * {@code theta = 2c / (-b - sqrt(b^2 - 4ac))}. Parameters per coordinate: {@code K} unnormalised widths, {@code K}
 * unnormalised heights and {@code K - 1} unnormalised interior derivatives ({@code 3K - 1} in all). Widths and heights
 * are softmax-normalised with floors {@code minBinWidth}, {@code minBinHeight}; derivatives are
 * {@code minDerivative + softplus(.)}.
 */
public final class RationalQuadraticSpline implements MonotoneTransform {

    private final int bins;
    private final float bound;
    private final float minBinWidth;
    private final float minBinHeight;
    private final float minDerivative;

    public RationalQuadraticSpline(int bins, double bound, double minBinWidth, double minBinHeight,
            double minDerivative) {
        if (bins < 2) {
            throw new FlowGuardException("expected at least 2 spline bins, got " + bins);
        }
        if (!(bound > 0) || Double.isInfinite(bound)) {
            throw new FlowGuardException("expected a finite tail bound > 0, got " + bound);
        }
        if (!(minBinWidth > 0) || minBinWidth * bins >= 1 || !(minBinHeight > 0) || minBinHeight * bins >= 1) {
            throw new FlowGuardException("expected 0 < min bin width/height < 1/bins = " + (1.0 / bins)
                    + ", got " + minBinWidth + "/" + minBinHeight);
        }
        if (!(minDerivative > 0) || minDerivative >= 1) {
            throw new FlowGuardException("expected 0 < min derivative < 1, got " + minDerivative);
        }
        this.bins = bins;
        this.bound = (float) bound;
        this.minBinWidth = (float) minBinWidth;
        this.minBinHeight = (float) minBinHeight;
        this.minDerivative = (float) minDerivative;
    }

    @Override
    public int parameterCount() {
        return 3 * bins - 1;
    }

    public int bins() {
        return bins;
    }

    public double bound() {
        return bound;
    }

    /** Knots, bin sizes and derivatives for every coordinate, each of shape {@code [batch, features, .]}. */
    private record Knots(NDArray xs, NDArray widths, NDArray ys, NDArray heights, NDArray derivatives) {}

    private Knots knots(NDArray params, long batch, long features) {
        NDArray p = params.reshape(batch, parameterCount(), features).transpose(0, 2, 1);
        NDArray[] xw = cumulative(p.get("..., 0:" + bins), minBinWidth);
        NDArray[] yh = cumulative(p.get("..., " + bins + ":" + (2 * bins)), minBinHeight);
        NDArray interior = plus(Activation.softPlus(p.get("..., " + (2 * bins) + ":")), minDerivative);
        NDArray derivatives = interior.pad(new Shape(1, 1), 1.0);
        return new Knots(xw[0], xw[1], yh[0], yh[1], derivatives);
    }

    /** Softmax with a floor, then knot positions on [-B, B] with exact end points; returns {knots, bin sizes}. */
    private NDArray[] cumulative(NDArray unnormalised, float minSize) {
        NDArray sizes = plus(times(unnormalised.softmax(-1), 1 - minSize * bins), minSize);
        NDArray inner = sizes.cumSum(2).get("..., :" + (bins - 1));
        NDArray unit = inner.pad(new Shape(1, 0), 0.0).pad(new Shape(0, 1), 1.0);
        NDArray positions = minus(times(unit, 2 * bound), bound);
        return new NDArray[] {positions, positions.diff(1, 2)};
    }

    /** The knots of the bin each value falls in, each of shape {@code [batch, features]}. */
    /** The knots of each value's bin, {@code [batch, features]} each; {@code slope} is height / width. */
    private record Bin(NDArray xk, NDArray wk, NDArray yk, NDArray hk, NDArray dk, NDArray dk1, NDArray sk) {}

    private static Bin bin(Knots k, NDArray idx) {
        NDArray wk = k.widths().gather(idx, 2).squeeze(2);
        NDArray hk = k.heights().gather(idx, 2).squeeze(2);
        return new Bin(k.xs().gather(idx, 2).squeeze(2), wk, k.ys().gather(idx, 2).squeeze(2), hk,
                k.derivatives().gather(idx, 2).squeeze(2), k.derivatives().gather(plus(idx, 1), 2).squeeze(2),
                hk.div(wk));
    }

    /** Index of the bin holding each value, shape {@code [batch, features, 1]}, int64. */
    private NDArray binIndex(NDArray value, NDArray knots) {
        NDArray inner = knots.get("..., 1:" + bins);
        NDArray index = value.expandDims(2).gte(inner).toType(DataType.INT64, false).sum(new int[] {2}, true);
        return index;
    }

    @Override
    public Transformed forward(NDArray x, NDArray params) {
        long batch = x.getShape().get(0);
        long features = x.getShape().get(1);
        Knots k = knots(params, batch, features);
        NDArray inside = x.gte(-bound).logicalAnd(x.lte(bound));
        NDArray xc = x.clip(-bound, bound);
        Bin bin = bin(k, binIndex(xc, k.xs()));
        NDArray hk = bin.hk();
        NDArray dk = bin.dk();
        NDArray dk1 = bin.dk1();
        NDArray sk = bin.sk();
        NDArray theta = xc.sub(bin.xk()).div(bin.wk());
        NDArray oneMinus = minusFrom(1, theta);
        NDArray mixed = theta.mul(oneMinus);
        NDArray thetaSq = theta.square();
        NDArray numerator = hk.mul(sk.mul(thetaSq).add(dk.mul(mixed)));
        NDArray denominator = sk.add(dk1.add(dk).sub(sk.add(sk)).mul(mixed));
        NDArray y = bin.yk().add(numerator.div(denominator));
        NDArray skMixed = sk.mul(mixed);
        NDArray slope = sk.square().mul(dk1.mul(thetaSq).add(skMixed).add(skMixed).add(dk.mul(oneMinus.square())));
        NDArray logDenominator = denominator.log();
        NDArray logDet = slope.log().sub(logDenominator).sub(logDenominator);
        return new Transformed(NDArrays.where(inside, y, x), NDArrays.where(inside, logDet, logDet.zerosLike()));
    }

    @Override
    public Transformed inverse(NDArray y, NDArray params) {
        long batch = y.getShape().get(0);
        long features = y.getShape().get(1);
        Knots k = knots(params, batch, features);
        NDArray inside = y.gte(-bound).logicalAnd(y.lte(bound));
        NDArray yc = y.clip(-bound, bound);
        Bin bin = bin(k, binIndex(yc, k.ys()));
        NDArray hk = bin.hk();
        NDArray dk = bin.dk();
        NDArray dk1 = bin.dk1();
        NDArray sk = bin.sk();
        NDArray dy = yc.sub(bin.yk());
        NDArray curvature = dk1.add(dk).sub(sk.add(sk));
        NDArray a = hk.mul(sk.sub(dk)).add(dy.mul(curvature));
        NDArray b = hk.mul(dk).sub(dy.mul(curvature));
        NDArray c = sk.mul(dy).neg();
        NDArray discriminant = atLeast(b.square().sub(times(a.mul(c), 4)), 0);
        NDArray theta = c.add(c).div(b.neg().sub(discriminant.sqrt()));
        NDArray x = theta.mul(bin.wk()).add(bin.xk());
        NDArray oneMinus = minusFrom(1, theta);
        NDArray mixed = theta.mul(oneMinus);
        NDArray denominator = sk.add(curvature.mul(mixed));
        NDArray skMixed = sk.mul(mixed);
        NDArray slope = sk.square().mul(dk1.mul(theta.square()).add(skMixed).add(skMixed).add(dk.mul(oneMinus.square())));
        NDArray logDenominator = denominator.log();
        NDArray logDet = logDenominator.add(logDenominator).sub(slope.log());
        return new Transformed(NDArrays.where(inside, x, y), NDArrays.where(inside, logDet, logDet.zerosLike()));
    }
}
