package io.flowguard.model.flow;

import io.flowguard.model.FlowGuardException;

/**
 * Hyper-parameters of a flow; stored in every checkpoint so that the flow can be rebuilt before its weights load.
 *
 * @param kind the flow family
 * @param layers number of autoregressive or coupling layers (Glow: steps of ActNorm, LU linear and coupling;
 *     planar and radial layers; residual blocks)
 * @param hiddenFeatures width of each hidden layer of a conditioner (of a residual block's {@code g})
 * @param hiddenLayers depth of each conditioner (of {@code g}) in hidden layers
 * @param bins spline bins K (NSF kinds)
 * @param tailBound spline interval [-B, B] in standardised units; identity outside (NSF kinds)
 * @param minBinWidth floor on a bin's width as a fraction of 2B
 * @param minBinHeight floor on a bin's height as a fraction of 2B
 * @param minDerivative floor on the spline's knot derivatives
 * @param logScaleBound largest |log-scale| per affine layer (MAF, IAF, RealNVP, Glow)
 * @param ordering how autoregressive orders change between layers (MAF, NSF, IAF; coupling families ignore it)
 * @param normalization bijector between layers
 * @param seed seed for weights, orders and everything else random in the architecture
 */
public record FlowSpec(FlowKind kind, int layers, int hiddenFeatures, int hiddenLayers, int bins, double tailBound,
        double minBinWidth, double minBinHeight, double minDerivative, double logScaleBound, Ordering ordering,
        Normalization normalization, long seed) {

    public FlowSpec {
        require(kind != null, "a flow kind", String.valueOf(kind));
        require(ordering != null, "an ordering", String.valueOf(ordering));
        require(normalization != null, "a normalization", String.valueOf(normalization));
        require(layers >= 1 && layers <= 64, "1 <= layers <= 64", String.valueOf(layers));
        require(hiddenFeatures >= 1 && hiddenFeatures <= 8192, "1 <= hidden features <= 8192",
                String.valueOf(hiddenFeatures));
        require(hiddenLayers >= 1 && hiddenLayers <= 8, "1 <= hidden layers <= 8", String.valueOf(hiddenLayers));
        require(bins >= 2 && bins <= 64, "2 <= bins <= 64", String.valueOf(bins));
        require(tailBound > 0 && tailBound <= 1e3, "0 < tail bound <= 1000", String.valueOf(tailBound));
        require(minBinWidth > 0 && minBinWidth * bins < 1, "0 < min bin width < 1/bins", String.valueOf(minBinWidth));
        require(minBinHeight > 0 && minBinHeight * bins < 1, "0 < min bin height < 1/bins",
                String.valueOf(minBinHeight));
        require(minDerivative > 0 && minDerivative < 1, "0 < min derivative < 1", String.valueOf(minDerivative));
        require(logScaleBound > 0 && logScaleBound <= 20, "0 < log-scale bound <= 20", String.valueOf(logScaleBound));
    }

    private static void require(boolean ok, String expected, String got) {
        if (!ok) {
            throw new FlowGuardException("expected " + expected + ", got " + got);
        }
    }

    /**
     * True when per-feature contributions are exactly {@code log p(x_i | x_<i)} in the input order: only for the
     * autoregressive families (MAF, NSF, IAF) in the natural order. Coupling families condition on whole halves,
     * and mixing families (Glow's LU linear layer) tie no latent coordinate to one feature, so their contributions
     * sum to {@code log p(x)} but are not conditionals.
     */
    public boolean attributionsAreConditionals() {
        boolean autoregressive = kind == FlowKind.MAF || kind == FlowKind.NSF || kind == FlowKind.IAF;
        return autoregressive && ordering == Ordering.NATURAL;
    }

    /** Hidden layer widths of one conditioner. */
    public int[] hidden() {
        int[] h = new int[hiddenLayers];
        java.util.Arrays.fill(h, hiddenFeatures);
        return h;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder with the defaults of each kind; {@link #setKind} is required. */
    public static final class Builder {
        private FlowKind kind;
        private Integer layers;
        private Integer hiddenFeatures;
        private int hiddenLayers = 2;
        private int bins = 8;
        private double tailBound = 8.0;
        private double minBinWidth = 1e-3;
        private double minBinHeight = 1e-3;
        private double minDerivative = 1e-3;
        private double logScaleBound = 3.0;
        private Ordering ordering;
        private Normalization normalization = Normalization.NONE;
        private long seed;

        private Builder() {}

        public Builder setKind(FlowKind kind) {
            this.kind = kind;
            return this;
        }

        public Builder optLayers(int layers) {
            this.layers = layers;
            return this;
        }

        public Builder optHiddenFeatures(int hiddenFeatures) {
            this.hiddenFeatures = hiddenFeatures;
            return this;
        }

        public Builder optHiddenLayers(int hiddenLayers) {
            this.hiddenLayers = hiddenLayers;
            return this;
        }

        public Builder optBins(int bins) {
            this.bins = bins;
            return this;
        }

        public Builder optTailBound(double tailBound) {
            this.tailBound = tailBound;
            return this;
        }

        public Builder optMinBinWidth(double minBinWidth) {
            this.minBinWidth = minBinWidth;
            return this;
        }

        public Builder optMinBinHeight(double minBinHeight) {
            this.minBinHeight = minBinHeight;
            return this;
        }

        public Builder optMinDerivative(double minDerivative) {
            this.minDerivative = minDerivative;
            return this;
        }

        public Builder optLogScaleBound(double logScaleBound) {
            this.logScaleBound = logScaleBound;
            return this;
        }

        public Builder optOrdering(Ordering ordering) {
            this.ordering = ordering;
            return this;
        }

        public Builder optNormalization(Normalization normalization) {
            this.normalization = normalization;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        private static int defaultLayers(FlowKind kind) {
            return switch (kind) {
                case MAF, IAF -> 5;
                case NICE, REALNVP -> 8;
                case GLOW -> 6;
                case PLANAR, RADIAL, RESFLOW -> FreeFormLayers.defaultLayers(kind);
                case CNF -> 1;
                default -> 4;
            };
        }

        private static int defaultHiddenFeatures(FlowKind kind) {
            return switch (kind) {
                case MAF, IAF, NICE, REALNVP, GLOW, CNF -> 128;
                default -> 64;
            };
        }

        /**
         * Validates and builds; defaults: MAF and IAF 5 layers x 2x128, NICE and RealNVP 8 x 2x128, Glow 6 steps x
         * 2x128, NSF 4 layers x 2x64 with 8 bins on [-8, 8], planar and radial 32 layers, resflow 8 blocks of 2x64,
         * cnf one velocity field of 2x128.
         */
        public FlowSpec build() {
            if (kind == null) {
                throw new FlowGuardException("expected a flow kind (setKind), got none");
            }
            int l = layers != null ? layers : defaultLayers(kind);
            int h = hiddenFeatures != null ? hiddenFeatures : defaultHiddenFeatures(kind);
            Ordering o = ordering != null ? ordering : Ordering.REVERSE;
            return new FlowSpec(kind, l, h, hiddenLayers, bins, tailBound, minBinWidth, minBinHeight, minDerivative,
                    logScaleBound, o, normalization, seed);
        }
    }
}
