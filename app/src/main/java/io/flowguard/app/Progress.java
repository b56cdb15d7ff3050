package io.flowguard.app;

import io.flowguard.model.train.EpochStats;
import io.flowguard.model.train.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on stderr, so that stdout stays machine-readable. */
final class Progress {

    private Progress() {}

    /** One line per epoch: epoch, train/validation NLL, learning rate, throughput, elapsed; '*' marks a new best. */
    static TrainingListener epochs(PrintStream err, String prefix) {
        return s -> err.println(line(prefix, s));
    }

    static String line(String prefix, EpochStats s) {
        return String.format(Locale.ROOT, "%sepoch %3d/%d  train NLL %8.4f  val NLL %8.4f  lr %.2e  %,9.0f ev/s  %6.1f s%s",
                prefix, s.epoch(), s.maxEpochs(), s.trainNll(), s.validationNll(), s.learningRate(),
                s.eventsPerSecond(), s.elapsedSeconds(), s.improved() ? "  *" : "");
    }

    /** Prints at most one line per {@code seconds}. */
    static final class Ticker {
        private final PrintStream out;
        private final long periodNanos;
        private long next;

        Ticker(PrintStream out, double seconds) {
            this.out = out;
            this.periodNanos = (long) (seconds * 1e9);
            this.next = System.nanoTime() + periodNanos;
        }

        boolean due() {
            return System.nanoTime() >= next;
        }

        void print(String line) {
            next = System.nanoTime() + periodNanos;
            out.println(line);
        }
    }
}
