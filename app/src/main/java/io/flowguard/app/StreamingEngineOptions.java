package io.flowguard.app;

import picocli.CommandLine.Option;

/** Engine settings of the commands that score next to a Kafka broker (demo, bench stream). */
final class StreamingEngineOptions {

    @Option(names = "--scorer-threads", defaultValue = "1", description = "Engine intra-op threads while "
            + "streaming (1 leaves the other core to the broker and the Kafka clients).")
    int scorerThreads;
}
