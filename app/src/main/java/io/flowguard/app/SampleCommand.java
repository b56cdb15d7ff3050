package io.flowguard.app;

import io.flowguard.ingest.source.Cells;
import io.flowguard.model.checkpoint.Checkpoints;
import io.flowguard.model.checkpoint.LoadedModel;
import io.flowguard.model.engine.Devices;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.Sample;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Draws events from a checkpoint's density. Sampling and writing go {@value #CHUNK} rows at a time from one random
 * stream (so memory stays constant and the rows are those of one large sample with the seed), with progress on
 * stderr.
 */
@Command(name = "sample", description = "Draw events from a checkpoint's density (CSV: features, then log_prob).")
final class SampleCommand implements Callable<Integer> {

    static final int CHUNK = 65_536;
    static final long MAX_EVENTS = 1_000_000_000L;

    @Option(names = "--model", required = true, description = "Checkpoint written by 'flowguard train'.")
    Path model;

    @Option(names = "--n", required = true, description = "Number of events, 1 to 1,000,000,000.")
    long n;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--out", description = "CSV file to write (default: stdout).")
    Path out;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu|gpu:N")
    String device;

    @Override
    public Integer call() {
        if (n < 1 || n > MAX_EVENTS) {
            throw new UserError(String.format(Locale.ROOT, "--n: expected 1 <= n <= %,d events, got %d",
                    MAX_EVENTS, n));
        }
        if (out != null) {
            OutputFiles.check(out, "samples");
        }
        try (LoadedModel loaded = Checkpoints.load(model, Devices.select(device))) {
            Flow flow = loaded.flow();
            long start = System.nanoTime();
            if (out != null) {
                OutputFiles.write(out, "samples", w -> write(flow, w));
            } else {
                Writer w = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
                try {
                    write(flow, w);
                    w.flush();
                } catch (IOException e) {
                    throw new UncheckedIOException("stdout: cannot write samples (" + OutputFiles.reason(e) + ")",
                            e);
                }
            }
            System.err.printf(Locale.ROOT, "sampled %,d events in %.1f s%s%n", n,
                    (System.nanoTime() - start) / 1e9, out == null ? "" : "; wrote " + out);
        }
        return 0;
    }

    private void write(Flow flow, Writer w) throws IOException {
        String[] names = flow.schema().names();
        w.write(Stream.concat(Stream.of(names), Stream.of("log_prob")).map(Cells::csvField)
                .collect(Collectors.joining(",")) + "\n");
        SplittableRandom random = new SplittableRandom(seed);
        Progress.Ticker ticker = new Progress.Ticker(System.err, 2.0);
        long start = System.nanoTime();
        StringBuilder line = new StringBuilder();
        for (long done = 0; done < n; ) {
            int rows = (int) Math.min(CHUNK, n - done);
            Sample sample = flow.sample(rows, random);
            for (int i = 0; i < rows; i++) {
                line.setLength(0);
                for (int j = 0; j < names.length; j++) {
                    line.append(sample.events().get(i, j)).append(',');
                }
                w.write(line.append(sample.logProb()[i]).append('\n').toString());
            }
            done += rows;
            if (ticker.due() && done < n) {
                ticker.print(String.format(Locale.ROOT, "sampled %,d of %,d events (%.0f %%), %.1f s", done, n,
                        100.0 * done / n, (System.nanoTime() - start) / 1e9));
            }
        }
    }
}
