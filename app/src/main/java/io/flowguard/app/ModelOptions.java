package io.flowguard.app;

import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.Normalization;
import io.flowguard.model.flow.Ordering;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.train.TrainOptions;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Model and training options shared by train, eval and demo. Unset options keep the library's defaults. */
public final class ModelOptions {

    /** The names {@code --model} accepts, one per {@link FlowKind}. */
    static final String MODEL_NAMES = "maf|nsf|nsf-coupling|nice|realnvp|glow|iaf|planar|radial|resflow|cnf";

    @Option(names = "--model", paramLabel = MODEL_NAMES, defaultValue = "maf",
            description = "Flow family (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--layers", description = "Number of flow layers (MAF and IAF default 5, NICE and RealNVP 8, "
            + "Glow 6, NSF 4, planar and radial 32, resflow 8 residual blocks).")
    Integer layers;

    @Option(names = "--hidden", description = "Hidden units per conditioner layer (MAF, IAF, NICE, RealNVP and Glow "
            + "default 128, NSF 64).")
    Integer hidden;

    @Option(names = "--hidden-layers", description = "Hidden layers per conditioner (default 2).")
    Integer hiddenLayers;

    @Option(names = "--bins", description = "Spline bins K (NSF, default 8).")
    Integer bins;

    @Option(names = "--tail-bound", description = "Spline interval [-B, B] in standardised units (NSF, default 8).")
    Double tailBound;

    @Option(names = "--ordering", paramLabel = "natural|reverse|random",
            description = "Variable order between layers (default reverse).")
    String ordering;

    @Option(names = "--normalization", paramLabel = "none|actnorm|batchnorm",
            description = "Normalisation bijector between layers (default none).")
    String normalization;

    @Option(names = "--heavy-tail", defaultValue = "auto", paramLabel = "auto|always|never",
            description = "asinh compression of heavy-tailed features (default: ${DEFAULT-VALUE}).")
    String heavyTail;

    @Option(names = "--no-dequantize", negatable = false,
            description = "Do not add dequantisation noise to discrete features while training.")
    boolean noDequantize;

    @Option(names = "--epochs", description = "Upper bound on epochs (default 200; early stopping ends sooner).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Events per optimiser step (default 512).")
    Integer batchSize;

    @Option(names = "--lr", description = "Peak learning rate (default 1e-3).")
    Double learningRate;

    @Option(names = "--patience", description = "Epochs without validation improvement before stopping (15).")
    Integer patience;

    @Option(names = "--max-seconds", description = "Wall-clock training budget in seconds (default none).")
    Double maxSeconds;

    @Option(names = "--trim", description = "Share of each batch's least likely events left out of the loss "
            + "(robust to anomalies in the training data; default 0).")
    Double trim;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for weights, splits and shuffling.")
    long seed;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "auto|cpu|gpu|gpu:N",
            description = "Compute device (default: GPU when the engine sees one, else CPU).")
    String device;

    FlowKind kind() {
        return kind("--model", model);
    }

    /** The family a CLI name stands for; a user error naming {@code option} for any other name. */
    static FlowKind kind(String option, String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "maf" -> FlowKind.MAF;
            case "nsf" -> FlowKind.NSF;
            case "nsf-coupling" -> FlowKind.NSF_COUPLING;
            case "nice" -> FlowKind.NICE;
            case "realnvp" -> FlowKind.REALNVP;
            case "glow" -> FlowKind.GLOW;
            case "iaf" -> FlowKind.IAF;
            case "planar" -> FlowKind.PLANAR;
            case "radial" -> FlowKind.RADIAL;
            case "resflow" -> FlowKind.RESFLOW;
            case "cnf" -> FlowKind.CNF;
            default -> throw new UserError(option + ": expected one of " + MODEL_NAMES.replace("|", ", ") + ", got '"
                    + name + "'");
        };
    }

    /** The CLI name of {@code kind} (as {@link #kind(String, String)} reads it and checkpoints record it). */
    static String name(FlowKind kind) {
        return kind.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    FlowSpec spec(long seed) {
        return spec(kind(), seed);
    }

    /** The spec of family {@code kind} with the other options of this command line. */
    FlowSpec spec(FlowKind kind, long seed) {
        FlowSpec.Builder b = FlowSpec.builder().setKind(kind).optSeed(seed);
        if (layers != null) {
            b.optLayers(layers);
        }
        if (hidden != null) {
            b.optHiddenFeatures(hidden);
        }
        if (hiddenLayers != null) {
            b.optHiddenLayers(hiddenLayers);
        }
        if (bins != null) {
            b.optBins(bins);
        }
        if (tailBound != null) {
            b.optTailBound(tailBound);
        }
        if (ordering != null) {
            b.optOrdering(parse(Ordering.class, "--ordering", ordering));
        }
        if (normalization != null) {
            b.optNormalization(parse(Normalization.class, "--normalization", normalization));
        }
        return b.build();
    }

    PreprocessingOptions preprocessing() {
        PreprocessingOptions d = PreprocessingOptions.defaults();
        return new PreprocessingOptions(parse(PreprocessingOptions.HeavyTail.class, "--heavy-tail", heavyTail),
                !noDequantize, d.skewnessThreshold(), d.kurtosisThreshold());
    }

    TrainOptions train(long seed) {
        TrainOptions.Builder b = TrainOptions.builder().optSeed(seed);
        if (epochs != null) {
            b.optMaxEpochs(epochs);
        }
        if (batchSize != null) {
            b.optBatchSize(batchSize);
        }
        if (learningRate != null) {
            b.optLearningRate(learningRate);
        }
        if (patience != null) {
            b.optPatience(patience);
        }
        if (maxSeconds != null) {
            b.optMaxSeconds(maxSeconds);
        }
        b.optDequantize(!noDequantize);
        if (trim != null) {
            b.optTrimFraction(trim);
        }
        return b.build();
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError(option + ": expected one of " + java.util.Arrays.toString(type.getEnumConstants())
                    .toLowerCase(Locale.ROOT) + ", got '" + value + "'");
        }
    }
}
