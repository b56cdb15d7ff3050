package io.flowguard.app;

import io.flowguard.model.FlowGuardException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code flowguard} command line. */
@Command(name = "flowguard", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        version = "flowguard 0.1.0",
        description = "Streaming anomaly detection with exact normalizing-flow densities.",
        subcommands = {DemoCommand.class, TrainCommand.class, ScoreCommand.class, SampleCommand.class,
            SyntheticEvalCommand.class, ReportCommand.class,
            EvalCommand.class, BenchCommand.class, IngestCommand.class, ScorerCommand.class, RetrainerCommand.class,
            ModelCommand.class, FlinkCommand.class, NabCommand.class, NabScoreCommand.class})
public final class FlowGuardCli {

    /** Exit status for user errors (bad file, bad value, bad option). */
    public static final int USER_ERROR = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit status (tests call this directly). */
    public static int run(String... args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        CommandLine cli = new CommandLine(new FlowGuardCli());
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (isUserError(e)) {
                PrintWriter err = line.getErr();
                err.println("flowguard " + line.getCommandName() + ": error: " + e.getMessage());
                err.flush();
                return USER_ERROR;
            }
            throw e;
        });
        return cli.execute(args);
    }

    /** Errors caused by the input or the options rather than by a bug: shown as one line. */
    static boolean isUserError(Throwable e) {
        return e instanceof UserError || e instanceof FlowGuardException || e instanceof UncheckedIOException
                || e instanceof io.flowguard.ingest.IngestException;
    }
}
