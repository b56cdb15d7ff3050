package io.flowguard.model.flow;

import io.flowguard.model.bijector.ActNorm;
import io.flowguard.model.bijector.AdditiveMap;
import io.flowguard.model.bijector.AffineMap;
import io.flowguard.model.bijector.BatchNormTransform;
import io.flowguard.model.bijector.BijectorBlock;
import io.flowguard.model.bijector.CouplingTransform;
import io.flowguard.model.bijector.InvertibleLinear;
import io.flowguard.model.bijector.MonotoneTransform;
import io.flowguard.model.bijector.PassThrough;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The learned layers of the coupling families, each one {@link CouplingTransform} with a different map or company:
 *
 * <pre>
 *   NICE     (Dinh, Krueger and Bengio 2014):  L x additive coupling -> diagonal scaling (ActNorm)
 *   RealNVP  (Dinh, Sohl-Dickstein and Bengio 2017):  L x affine coupling, halves alternating, permuted per pair
 *   Glow     (Kingma and Dhariwal 2018):  L x [ActNorm -> LU linear -> affine coupling]
 * </pre>
 *
 * Coordinates never move between positions: a permutation followed by a coupling on a fixed half is a coupling on
 * the permuted half, so RealNVP's permutations are its masks (layer pair 0 splits by parity, every later pair by a
 * seeded random permutation, and each pair transforms every active coordinate once). Constant features bypass the
 * learned layers as in {@link FlowFactory}; the LU layer takes the active mask itself.
 */
final class CouplingFamilies {

    private CouplingFamilies() {}

    static void addLayers(FlowSpec spec, boolean[] active, List<BijectorBlock> layers, SplittableRandom seeds) {
        int d = active.length;
        boolean anyConstant = count(active) < d;
        MonotoneTransform map = spec.kind() == FlowKind.NICE ? new AdditiveMap() : new AffineMap(spec.logScaleBound());
        int[] permutation = null;
        for (int l = 0; l < spec.layers(); l++) {
            if (spec.kind() == FlowKind.GLOW) {
                layers.add(restrict(new ActNorm(d), active, anyConstant));
                layers.add(new InvertibleLinear(active, seeds.nextLong()));
            } else if (l > 0 && spec.normalization() != Normalization.NONE) {
                BijectorBlock norm = spec.normalization() == Normalization.ACTNORM ? new ActNorm(d)
                        : new BatchNormTransform(d);
                layers.add(restrict(norm, active, anyConstant));
            }
            boolean[] mask = FlowFactory.couplingMask(active, l);
            if (spec.kind() == FlowKind.REALNVP && l >= 2) {
                if (l % 2 == 0) {
                    permutation = shuffled(count(active), seeds);
                }
                mask = permutedMask(active, permutation, l);
            }
            layers.add(restrict(new CouplingTransform(mask, spec.hidden(), map, seeds.nextLong()), active,
                    anyConstant));
        }
        if (spec.kind() == FlowKind.NICE) {
            layers.add(restrict(new ActNorm(d), active, anyConstant));
        }
    }

    private static BijectorBlock restrict(BijectorBlock b, boolean[] active, boolean anyConstant) {
        return anyConstant ? new PassThrough(b, active) : b;
    }

    /** Active coordinate of rank {@code r} is transformed when {@code permutation[r]} has the layer's parity. */
    static boolean[] permutedMask(boolean[] active, int[] permutation, int layer) {
        boolean[] transformed = new boolean[active.length];
        int k = permutation.length;
        for (int i = 0, r = 0; i < active.length; i++) {
            if (active[i]) {
                transformed[i] = k == 1 || permutation[r] % 2 == layer % 2;
                r++;
            }
        }
        return transformed;
    }

    private static int[] shuffled(int k, SplittableRandom random) {
        int[] p = new int[k];
        for (int i = 0; i < k; i++) {
            p[i] = i;
        }
        for (int i = k - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static int count(boolean[] mask) {
        int n = 0;
        for (boolean b : mask) {
            n += b ? 1 : 0;
        }
        return n;
    }
}
