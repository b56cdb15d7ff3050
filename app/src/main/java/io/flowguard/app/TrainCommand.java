package io.flowguard.app;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.Manifest;
import io.flowguard.model.checkpoint.StoredCheckpoint;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.train.ModelFitter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", description = "Fit a flow to a CSV file and write a checkpoint.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Option(names = "--data", required = true, description = "CSV (or .csv.gz) with a header row.")
    Path data;

    @Option(names = "--columns", split = ",", description = "Feature columns to use (default: all but the label).")
    List<String> columns;

    @Option(names = "--label-column", description = "Column to leave out of the features (never used to fit).")
    String labelColumn;

    @Option(names = "--out", required = true, description = "Checkpoint file to write.")
    Path out;

    @Mixin
    ModelOptions model;

    @Override
    public Integer call() {
        var err = System.err;
        var spec = model.spec(model.seed);
        var options = model.train(model.seed);
        OutputFiles.check(out, "checkpoint");
        CsvTable table = CsvTable.read(data, columns, labelColumn);
        err.printf(Locale.ROOT, "read %,d rows x %d features from %s%n", table.features().rows(),
                table.features().cols(), data);
        try (NDManager manager = NDManager.newBaseManager(Devices.select(model.device))) {
            ModelFitter.Fitted fitted;
            try {
                fitted = ModelFitter.fit(table.features(), table.names(), spec, model.preprocessing(), options,
                        Progress.epochs(err, ""), manager, data.getFileName().toString());
            } catch (FlowGuardException e) {
                // Too few rows, only constant features...: a property of the file, so the message names it.
                throw new UserError(data + ": cannot train on it: " + e.getMessage(), e);
            }
            Manifest saved = fitted.manifest();
            StoredCheckpoint stored = Checkpoints.save(out, fitted.flow(), saved);
            var r = fitted.report();
            System.out.printf(Locale.ROOT,
                    "trained %s on %,d rows (%,d held out) of %d features: best epoch %d of %d (%s), "
                            + "validation NLL %.4f nats/event, %.1f s, %,.0f ev/s on %s%n",
                    saved.modelKind(), r.trainRows(), r.validationRows(), table.features().cols(), r.bestEpoch(),
                    r.history().size(), r.stopReason(), r.bestValidationNll(), r.seconds(), r.eventsPerSecond(),
                    manager.getDevice());
            System.out.printf("wrote %s (model version %s)%n", out, stored.version());
        }
        return 0;
    }
}
