package io.flowguard.model.flow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.support.Flows;
import io.flowguard.model.support.KnownDensity;
import io.flowguard.model.train.TrainOptions;
import io.flowguard.model.train.Trainer;
import io.flowguard.model.train.TrainingReport;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Known-density fits of the planar, radial and residual flows (the densities and protocol of
 * {@link KnownDensityFitTest}): held-out NLL gap to the true entropy, printed as a table. The residual flow must be
 * within 0.05 nats; planar and radial flows (a rank-one or radial change of volume per layer) are exempt from the
 * target and only reported, with a loose sanity bound.
 *
 * <p>By default only the residual flow fits, on 10,000 rows of the banana;
 * {@code -Dflowguard.test.families=all} runs every family on every density, {@code =resflow} one family on all.
 */
class FreeFormFitTest {

    private static final double TARGET = 0.05;
    private static final double EXEMPT_BOUND = 1.0;
    private static final List<String> ROWS = new ArrayList<>();

    static Stream<Arguments> cases() {
        String only = System.getProperty("flowguard.test.families", "");
        boolean all = only.trim().equalsIgnoreCase("all");
        Set<String> wanted = Arrays.stream(only.split(",")).map(s -> s.trim().toUpperCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        boolean full = all || !wanted.isEmpty();
        return Stream.of(FlowKind.RESFLOW, FlowKind.PLANAR, FlowKind.RADIAL)
                .filter(k -> all || wanted.isEmpty() || wanted.contains(k.name()))
                .flatMap(k -> {
                    if (full) {
                        return Stream.of(Arguments.of(KnownDensity.mixture2d(), k, 20000),
                                Arguments.of(KnownDensity.banana(), k, 20000),
                                Arguments.of(KnownDensity.mixture5d(), k, 40000));
                    }
                    // The suite's default keeps its time (the whole table is about 10 minutes on 2 cores, the
                    // residual flow on the 5-D mixture alone 4.6): the residual flow, the one family here with a
                    // target, on the banana. Planar and radial flows only report (exempt); the contract and
                    // normalisation tests cover them in every run.
                    return k == FlowKind.RESFLOW ? Stream.of(Arguments.of(KnownDensity.banana(), k, 10000))
                            : Stream.empty();
                });
    }

    private static FlowSpec spec(FlowKind kind) {
        FlowSpec.Builder b = FlowSpec.builder().setKind(kind).optSeed(3);
        return b.build();
    }

    @ParameterizedTest(name = "{1} on {0}, {2} rows")
    @MethodSource("cases")
    void heldOutNllGapToTheEntropy(KnownDensity truth, FlowKind kind, int trainRows) {
        Matrix train = truth.sample(trainRows, 1);
        Matrix test = truth.sample(20000, 2);
        try (NDManager manager = NDManager.newBaseManager()) {
            Flow flow = Flows.build(spec(kind), train, manager);
            // planar and radial flows are exempt and slow to creep: 60 epochs keep the suite's time down
            int epochs = Integer.getInteger("flowguard.test.epochs", kind == FlowKind.RESFLOW ? 150 : 60);
            TrainOptions options = TrainOptions.builder().optMaxEpochs(epochs).optPatience(20).optSeed(4).build();
            boolean verbose = Boolean.getBoolean("flowguard.test.verbose");
            TrainingReport report = new Trainer(options, s -> {
                if (verbose) {
                    System.out.printf(Locale.ROOT, "  %s epoch %d train %.4f val %.4f %.1f s%n", kind, s.epoch(),
                            s.trainNll(), s.validationNll(), s.elapsedSeconds());
                }
            }).fit(flow, train);
            double modelNll = -Flows.mean(Flows.logProb(flow, test));
            double entropy = truth.meanNll(test);
            double gap = modelNll - entropy;
            boolean exempt = kind != FlowKind.RESFLOW;
            String row = String.format(Locale.ROOT, "| %-7s | %-20s | %7.4f | %9.4f | %7.4f | %-6s | %6d | %7.1f |",
                    kind.name().toLowerCase(Locale.ROOT), truth.name(), entropy, modelNll, gap,
                    exempt ? "exempt" : "0.05", report.history().size(), report.seconds());
            System.out.println("known-density " + row);
            synchronized (ROWS) {
                ROWS.add(row);
            }
            assertTrue(Double.isFinite(gap) && gap < (exempt ? EXEMPT_BOUND : TARGET),
                    kind + " on " + truth.name() + ": gap " + gap + " nats");
        }
    }

    @AfterAll
    static void printTable() {
        System.out.println("| family  | density              | entropy | model NLL |     gap | target | epochs |       s |");
        System.out.println("|---------|----------------------|---------|-----------|---------|--------|--------|---------|");
        ROWS.forEach(System.out::println);
    }
}
