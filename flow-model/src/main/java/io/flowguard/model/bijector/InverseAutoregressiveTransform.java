package io.flowguard.model.bijector;

import ai.djl.ndarray.NDArray;

/**
 * Inverse autoregressive layer (Kingma, Salimans, Jozefowicz, Chen, Sutskever and Welling, "Improved Variational
 * Inference with Inverse Autoregressive Flow", NeurIPS 2016): the autoregressive map is applied in the sampling
 * direction, {@code x_i = h(z_i; theta_i(z_<i))}, with a MADE conditioner on the latent.
 *
 * <p>It is a MAF layer ({@link AutoregressiveTransform}) run backwards, and is built as one: the density direction
 * ({@link #forward}, data to latent) is the MAF layer's {@code d}-pass inverse,
 * {@code z_i = h^-1(x_i; theta_i(z_<i))} with {@code log |dz_i/dx_i| = log (h^-1)'(x_i)}, and the sampling direction
 * ({@link #inverse}) its one-pass forward. IAF therefore samples {@code d} times faster than MAF and evaluates
 * densities {@code d} times slower, the trade-off of Papamakarios et al. 2017, section 3.2; training, which needs
 * densities, pays the {@code d} passes too and keeps their graph for autograd.
 *
 * <p>The Jacobian {@code dz/dx} is triangular in the layer's order, since {@code z_<i} depends on {@code x_<i} only,
 * so the per-coordinate log-determinants are its diagonal. Shapes {@code [batch, features]}.
 */
public final class InverseAutoregressiveTransform extends BijectorBlock {

    private static final byte VERSION = 1;

    private final AutoregressiveTransform maf;

    /** @param order degree of each coordinate (a permutation of {@code 1..d}), as for a MAF layer */
    public InverseAutoregressiveTransform(int[] order, int[] hidden, MonotoneTransform map, long seed) {
        super(order.length, VERSION);
        this.maf = addChildBlock("maf", new AutoregressiveTransform(order, hidden, map, seed));
    }

    @Override
    public Transformed forward(NDArray x, boolean training) {
        checkInput(x);
        return maf.solve(x, training);
    }

    @Override
    public Transformed inverse(NDArray y) {
        return maf.forward(y, false);
    }

    /** {@code d} conditioner passes per density evaluation. */
    @Override
    public long flopsPerEvent() {
        return features * maf.flopsPerEvent();
    }
}
