package io.flowguard.model.flow;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.bijector.ActNorm;
import io.flowguard.model.bijector.AffineMap;
import io.flowguard.model.bijector.ArcSinh;
import io.flowguard.model.bijector.AutoregressiveTransform;
import io.flowguard.model.bijector.BatchNormTransform;
import io.flowguard.model.bijector.BijectorBlock;
import io.flowguard.model.bijector.ContinuousTransform;
import io.flowguard.model.bijector.CouplingTransform;
import io.flowguard.model.bijector.InverseAutoregressiveTransform;
import io.flowguard.model.bijector.MonotoneTransform;
import io.flowguard.model.bijector.PassThrough;
import io.flowguard.model.bijector.RationalQuadraticSpline;
import io.flowguard.model.bijector.Standardize;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builds a {@link Flow} from a {@link FlowSpec} and a fitted {@link FeatureSchema}:
 *
 * <pre>
 *   Standardize -> [ArcSinh -> Standardize]   (fitted preprocessing, fixed)
 *   -> layer_1 -> [norm] -> layer_2 -> ... -> layer_L                    (learned)
 *   -> N(0, I)
 * </pre>
 *
 * MAF layers are affine autoregressive, NSF layers spline autoregressive, NSF_COUPLING layers spline coupling (NSF is
 * MAF with the spline in place of the affine map: one bijector class, two {@link MonotoneTransform} families). IAF
 * layers are MAF layers run backwards ({@link InverseAutoregressiveTransform}); NICE, RealNVP and Glow are built by
 * {@link CouplingFamilies}.
 * Constant features bypass the learned layers ({@link PassThrough}) and come last in every autoregressive order.
 * PLANAR, RADIAL and RESFLOW layers are built by {@link FreeFormLayers}; they are not triangular, so instead of
 * PassThrough they take the active mask themselves, as does the one {@link ContinuousTransform} of a CNF (whose
 * {@code layers} is ignored: one velocity field of {@code hiddenLayers x hiddenFeatures}).
 */
public final class FlowFactory {

    private FlowFactory() {}

    /** Builds and initialises a flow on {@code manager} (its parameters live there until the manager closes). */
    public static Flow create(FlowSpec spec, FeatureSchema schema, NDManager manager) {
        int d = schema.size();
        boolean[] active = activeMask(schema);
        int activeCount = count(active);
        if (activeCount == 0) {
            throw new FlowGuardException("expected at least one non-constant feature, got " + d + " constant ones");
        }
        List<BijectorBlock> layers = new ArrayList<>();
        layers.add(preprocessing(schema));
        if (schema.anyHeavyTail()) {
            float[] mask = new float[d];
            float[] centre = new float[d];
            float[] scale = new float[d];
            for (int i = 0; i < d; i++) {
                FeatureSpec f = schema.get(i);
                mask[i] = f.heavyTail() ? 1f : 0f;
                centre[i] = f.postCentre();
                scale[i] = f.postScale();
            }
            layers.add(new ArcSinh(mask));
            layers.add(new Standardize(centre, scale));
        }
        SplittableRandom seeds = new SplittableRandom(spec.seed());
        switch (spec.kind()) {
            case MAF, NSF, NSF_COUPLING, IAF, PLANAR, RADIAL, RESFLOW ->
                    addAutoregressiveOrSplineLayers(spec, active, layers, seeds);
            case NICE, REALNVP, GLOW -> CouplingFamilies.addLayers(spec, active, layers, seeds);
            case CNF -> layers.add(new ContinuousTransform(active, spec.hidden(), seeds.nextLong()));
        }
        Flow flow = new Flow(layers, new StandardNormal(), spec, schema);
        flow.initialize(manager, DataType.FLOAT32, new Shape(1, d));
        return flow;
    }

    /**
     * MAF and IAF (affine), NSF (spline) autoregressive layers, NSF spline coupling layers, or the free-form planar,
     * radial and residual layers ({@link FreeFormLayers}), with the optional normalisation between layers.
     */
    private static void addAutoregressiveOrSplineLayers(FlowSpec spec, boolean[] active, List<BijectorBlock> layers,
            SplittableRandom seeds) {
        int d = active.length;
        boolean anyConstant = count(active) < d;
        boolean affine = spec.kind() == FlowKind.MAF || spec.kind() == FlowKind.IAF;
        MonotoneTransform map = affine ? new AffineMap(spec.logScaleBound())
                : new RationalQuadraticSpline(spec.bins(), spec.tailBound(), spec.minBinWidth(),
                        spec.minBinHeight(), spec.minDerivative());
        for (int l = 0; l < spec.layers(); l++) {
            if (l > 0 && spec.normalization() != Normalization.NONE) {
                BijectorBlock norm = spec.normalization() == Normalization.ACTNORM ? new ActNorm(d)
                        : new BatchNormTransform(d);
                layers.add(anyConstant ? new PassThrough(norm, active) : norm);
            }
            long seed = seeds.nextLong();
            if (FreeFormLayers.isFreeForm(spec.kind())) {
                layers.add(FreeFormLayers.layer(spec, active, seed));
                continue;
            }
            BijectorBlock layer = spec.kind() == FlowKind.NSF_COUPLING
                    ? new CouplingTransform(couplingMask(active, l), spec.hidden(), map, seed)
                    : spec.kind() == FlowKind.IAF
                    ? new InverseAutoregressiveTransform(order(active, spec.ordering(), l, seeds), spec.hidden(),
                            map, seed)
                    : new AutoregressiveTransform(order(active, spec.ordering(), l, seeds), spec.hidden(), map, seed);
            layers.add(anyConstant ? new PassThrough(layer, active) : layer);
        }
    }

    private static Standardize preprocessing(FeatureSchema schema) {
        int d = schema.size();
        float[] centre = new float[d];
        float[] scale = new float[d];
        for (int i = 0; i < d; i++) {
            centre[i] = schema.get(i).centre();
            scale[i] = schema.get(i).scale();
        }
        return new Standardize(centre, scale);
    }

    static boolean[] activeMask(FeatureSchema schema) {
        boolean[] constant = schema.mask(FeatureKind.CONSTANT);
        boolean[] active = new boolean[constant.length];
        for (int i = 0; i < active.length; i++) {
            active[i] = !constant[i];
        }
        return active;
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /**
     * Degrees (1..d) for layer {@code l}: active coordinates ranked by the ordering policy, inactive ones after them,
     * so that no active coordinate is ever conditioned on an inactive one.
     */
    static int[] order(boolean[] active, Ordering ordering, int layer, SplittableRandom random) {
        int d = active.length;
        int k = count(active);
        int[] rankOfActive = new int[k];
        for (int r = 0; r < k; r++) {
            rankOfActive[r] = r + 1;
        }
        if (ordering == Ordering.REVERSE && layer % 2 == 1) {
            for (int r = 0; r < k; r++) {
                rankOfActive[r] = k - r;
            }
        } else if (ordering == Ordering.RANDOM) {
            for (int i = k - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = rankOfActive[i];
                rankOfActive[i] = rankOfActive[j];
                rankOfActive[j] = t;
            }
        }
        int[] order = new int[d];
        int a = 0;
        int inactiveRank = k;
        for (int i = 0; i < d; i++) {
            order[i] = active[i] ? rankOfActive[a++] : ++inactiveRank;
        }
        return order;
    }

    /** Coupling layer {@code l} transforms the active coordinates of one parity and conditions on the rest. */
    static boolean[] couplingMask(boolean[] active, int layer) {
        boolean[] transformed = new boolean[active.length];
        int k = count(active);
        int a = 0;
        for (int i = 0; i < active.length; i++) {
            if (active[i]) {
                transformed[i] = k == 1 || (a % 2) == (layer % 2);
                a++;
            }
        }
        return transformed;
    }
}
