package io.flowguard.app;

import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.flow.Sample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "sample", description = "Draw events from a checkpoint's density (CSV: features, then log_prob).")
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint written by 'flowguard train'.")
    Path model;

    @Option(names = "--n", required = true, description = "Number of events.")
    int n;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--out", description = "CSV file to write (default: stdout).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu|gpu:N")
    String device;

    @Override
    public Integer call() {
        if (n <= 0) {
            throw new UserError("--n: expected a positive number of events, got " + n);
        }
        try (LoadedModel loaded = Checkpoints.load(model, Devices.select(device))) {
            Sample sample = loaded.flow().sample(n, seed);
            String[] names = loaded.flow().schema().names();
            try (Writer w = out == null ? new BufferedWriter(new OutputStreamWriter(System.out,
                    StandardCharsets.UTF_8)) {
                        @Override
                        public void close() throws IOException {
                            flush();
                        }
                    } : Files.newBufferedWriter(out)) {
                w.write(String.join(",", names) + ",log_prob\n");
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    line.setLength(0);
                    for (int j = 0; j < names.length; j++) {
                        line.append(sample.events().get(i, j)).append(',');
                    }
                    w.write(line.append(sample.logProb()[i]).append('\n').toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException((out == null ? "stdout" : out.toString()) + ": cannot write samples ("
                        + e.getMessage() + ")", e);
            }
        }
        return 0;
    }
}
