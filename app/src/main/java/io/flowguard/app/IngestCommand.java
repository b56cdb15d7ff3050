package io.flowguard.app;

import io.flowguard.ingest.EventPublisher;
import io.flowguard.ingest.source.TableEvents;
import io.flowguard.ingest.synthetic.CardTransactionGenerator;
import io.flowguard.ingest.synthetic.PumpStationFleet;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Produces events to Kafka from CSV, JSON lines, stdin, a NAB series or the pump-station generator. */
@Command(name = "ingest", description = "Publish events (Avro single-object records keyed by entity) to a Kafka "
        + "topic from CSV, JSON lines, stdin (-), a NAB series or a generator.")
final class IngestCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", required = true)
    String bootstrapServers;

    @Option(names = "--topic", defaultValue = "events")
    String topic;

    @Option(names = "--file", description = "CSV or JSON-lines file (.gz allowed), or - for stdin.")
    String file;

    @Option(names = "--format", description = "csv or jsonl (default: from the file name; stdin: csv).")
    String format;

    @Option(names = "--nab", description = "A NAB series (timestamp,value): replayed in time order, key = its name.")
    Path nab;

    @Option(names = "--generate", description = "pump-stations or cards: seeded generators with labelled anomalies.")
    String generate;

    @Option(names = "--events", defaultValue = "100000", description = "Events to generate.")
    long events;

    @Option(names = "--stations", defaultValue = "50", description = "pump-stations: stations (keys).")
    int stations;

    @Option(names = "--cards", defaultValue = "10000", description = "cards: cards (keys).")
    int cards;

    @Option(names = "--anomaly-rate", defaultValue = "0.01")
    double anomalyRate;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--id-column")
    String idColumn;

    @Option(names = "--key-column")
    String keyColumn;

    @Option(names = "--time-column")
    String timeColumn;

    @Option(names = "--skip-column", defaultValue = "label", split = ",",
            description = "Columns kept as context, not features (default label).")
    List<String> skip;

    @Option(names = "--source", description = "Source name (default: the file name).")
    String source;

    @Option(names = "--rate", defaultValue = "0", description = "Events per second; 0 = as fast as possible.")
    double rate;

    @Override
    public Integer call() {
        int inputs = (file == null ? 0 : 1) + (nab == null ? 0 : 1) + (generate == null ? 0 : 1);
        if (inputs != 1) {
            throw new UserError("ingest: expected exactly one of --file, --nab, --generate, got " + inputs);
        }
        Progress.Ticker ticker = new Progress.Ticker(System.err, 2.0);
        long start = System.nanoTime();
        long count;
        try (EventPublisher publisher = new EventPublisher(bootstrapServers, topic, rate)) {
            if (generate != null) {
                if (generate.equals("pump-stations")) {
                    PumpStationFleet fleet = new PumpStationFleet(stations, seed, anomalyRate, "ps-");
                    for (long i = 0; i < events; i++) {
                        publisher.publish(fleet.next(Instant.now()));
                        tick(ticker, publisher, start);
                    }
                } else if (generate.equals("cards")) {
                    CardTransactionGenerator cardGenerator = new CardTransactionGenerator(cards, seed, anomalyRate,
                            "tx-");
                    for (long i = 0; i < events; i++) {
                        publisher.publish(cardGenerator.next());
                        tick(ticker, publisher, start);
                    }
                } else {
                    throw new UserError("--generate: expected pump-stations or cards, got " + generate);
                }
            } else {
                boolean isNab = nab != null;
                String input = isNab ? nab.toString() : file;
                String name = source != null ? source : input.equals("-") ? "stdin"
                        : Path.of(input).getFileName().toString().replaceAll("\\.(csv|jsonl|json)(\\.gz)?$", "");
                TableEvents table = new TableEvents(idColumn, isNab && keyColumn == null ? null : keyColumn,
                        isNab && timeColumn == null ? "timestamp" : timeColumn, new HashSet<>(skip));
                boolean json = format != null ? format.equals("jsonl")
                        : input.matches(".*\\.(jsonl|json)(\\.gz)?$");
                table.read(input, name, json, e -> {
                    publisher.publish(e);
                    tick(ticker, publisher, start);
                });
            }
            count = publisher.sent();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "published %,d events to %s in %.1f s (%,.0f events/s), all acknowledged%n",
                count, topic, seconds, count / seconds);
        return 0;
    }

    private static void tick(Progress.Ticker ticker, EventPublisher publisher, long start) {
        if (ticker.due()) {
            double s = (System.nanoTime() - start) / 1e9;
            ticker.print(String.format(Locale.ROOT, "ingest: %,d sent, %,d acknowledged, %,.0f events/s",
                    publisher.sent(), publisher.acknowledged(), publisher.sent() / s));
        }
    }
}
