package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.flowguard.model.bijector.ActNorm;
import io.flowguard.model.bijector.Bijector;
import io.flowguard.model.bijector.InvertibleLinear;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.support.Numerics;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** How the coupling families are assembled: masks, constant features, Glow's data-dependent ActNorm. */
class CouplingFamiliesTest {

    @Test
    void everyPairOfRealNvpLayersTransformsEveryActiveCoordinateOnce() {
        boolean[] active = {true, true, false, true, true, true};
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 20; trial++) {
            int[] perm = {0, 1, 2, 3, 4};
            for (int i = perm.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            boolean[] even = CouplingFamilies.permutedMask(active, perm, 2);
            boolean[] odd = CouplingFamilies.permutedMask(active, perm, 3);
            for (int i = 0; i < active.length; i++) {
                assertEquals(active[i], even[i] ^ odd[i], "coordinate " + i + " transformed once per pair");
                assertFalse(!active[i] && (even[i] || odd[i]), "constant coordinate " + i + " never transformed");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = FlowKind.class, names = {"NICE", "REALNVP", "GLOW", "IAF"})
    void aConstantFeatureBypassesEveryLearnedLayer(FlowKind kind) {
        Matrix base = KnownDensity.mixture2d().sample(500, 4);
        float[] v = new float[500 * 3];
        for (int i = 0; i < 500; i++) {
            v[i * 3] = base.get(i, 0);
            v[i * 3 + 1] = 7f;
            v[i * 3 + 2] = base.get(i, 1);
        }
        Matrix data = new Matrix(500, 3, v);
        try (NDManager m = NDManager.newBaseManager()) {
            Flow flow = Flows.build(FlowSpec.builder().setKind(kind).optLayers(3).optHiddenFeatures(16).optSeed(2)
                    .build(), data, m);
            Numerics.randomize(flow, 1.0, 5);
            NDArray x = m.create(data.slice(0, 64).values(), new Shape(64, 3));
            NDArray z = flow.toLatent(x);
            float[] latent = z.toFloatArray();
            float[] constantColumn = z.get(":, 1").toFloatArray();
            float first = constantColumn[0];
            for (float c : constantColumn) {
                assertEquals(first, c, 0f, "the constant feature's latent does not depend on the others");
            }
            assertTrue(Numerics.allFinite(latent));
            double err = Numerics.maxAbsDiff(x.toFloatArray(), flow.inverse(z).value().toFloatArray());
            assertTrue(err < 1e-4, "round trip through the whole flow: " + err);
        }
    }

    @Test
    void glowStartsEveryStepWithADataInitialisedActNormThenAnLuLayer() {
        Matrix data = KnownDensity.mixture5d().sample(2000, 8);
        try (NDManager m = NDManager.newBaseManager()) {
            Flow flow = Flows.build(FlowSpec.builder().setKind(FlowKind.GLOW).optLayers(2).optHiddenFeatures(16)
                    .optSeed(1).build(), data, m);
            NDArray x = m.create(data.values(), new Shape(data.rows(), data.cols()));
            flow.initializeFromData(x);
            NDArray h = x;
            int actNorms = 0;
            int linears = 0;
            for (Bijector b : flow.bijectors()) {
                h = b.forward(h, false).value();
                if (b instanceof InvertibleLinear) {
                    linears++;
                }
                if (b instanceof ActNorm) {
                    actNorms++;
                    float[] mean = h.mean(new int[] {0}).toFloatArray();
                    float[] std = h.sub(h.mean(new int[] {0})).square().mean(new int[] {0}).sqrt().toFloatArray();
                    for (int i = 0; i < mean.length; i++) {
                        assertEquals(0, mean[i], 1e-4, "ActNorm " + actNorms + " mean of coordinate " + i);
                        assertEquals(1, std[i], 1e-3, "ActNorm " + actNorms + " std of coordinate " + i);
                    }
                }
            }
            assertEquals(2, actNorms);
            assertEquals(2, linears);
        }
    }
}
