package io.flowguard.app;

import io.flowguard.model.checkpoint.ReleaseSigner;
import io.flowguard.retrainer.ControlTopic;
import io.flowguard.retrainer.ReleaseKeys;
import io.flowguard.schemas.ModelRelease;
import io.flowguard.schemas.ReleaseStatus;
import io.flowguard.schemas.RetrainRequest;
import io.flowguard.schemas.WireCodec;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flowguard model ...}: operate the model releases on the control topic. */
@Command(name = "model", description = "List, inspect, promote and roll back model releases; request a refit.",
        subcommands = {ModelCommand.ListReleases.class, ModelCommand.Show.class, ModelCommand.Promote.class,
            ModelCommand.Rollback.class, ModelCommand.Retrain.class, ModelCommand.Keygen.class})
final class ModelCommand {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    /** Where the releases are. */
    static class Target {
        @Option(names = "--bootstrap-servers", required = true, description = "Kafka bootstrap servers.")
        String bootstrapServers;

        @Option(names = "--model-name", defaultValue = "default", description = "Model name (control-topic key).")
        String modelName;

        @Option(names = "--control-topic", defaultValue = "model-releases", description = "Control topic.")
        String controlTopic;

        /** Every version's newest record, newest first, and the serving pointer. */
        Releases read() {
            Map<String, ModelRelease> all = ControlTopic.readAll(bootstrapServers, controlTopic, Duration.ofSeconds(30));
            List<ModelRelease> versions = new ArrayList<>();
            all.forEach((key, r) -> {
                if (ReleaseKeys.isHistory(key, modelName)) {
                    versions.add(r);
                }
            });
            versions.sort(Comparator.comparing(ModelRelease::getCreatedAt).reversed());
            return new Releases(all.get(ReleaseKeys.pointer(modelName)), versions);
        }

        ModelRelease find(Releases r, String version) {
            return r.versions().stream().filter(v -> v.getVersion().startsWith(version)).findFirst()
                    .orElseThrow(() -> new UserError("model " + modelName + ": expected a known version, got '"
                            + version + "' (see flowguard model list)"));
        }

        /** Makes {@code next} the serving release and retires the current one, in one transaction. */
        void serve(Releases r, ModelRelease next, String trigger, String note, Path signingKey) {
            ModelRelease.Builder b = ModelRelease.newBuilder(next).setStatus(ReleaseStatus.APPROVED)
                    .setTrigger(trigger).setReason(note);
            if (signingKey != null) {
                b.setSignature(ByteBuffer.wrap(ReleaseSigner.load(signingKey).sign(modelName, next.getSha256())));
            }
            ModelRelease approved = b.build();
            Map<String, ModelRelease> records = new LinkedHashMap<>();
            records.put(ReleaseKeys.history(modelName, next.getVersion()), approved);
            if (r.serving() != null && !r.serving().getVersion().equals(next.getVersion())) {
                records.put(ReleaseKeys.history(modelName, r.serving().getVersion()),
                        ModelRelease.newBuilder(r.serving()).setStatus(ReleaseStatus.RETIRED)
                                .setReason(trigger + " to " + next.getVersion()).build());
            }
            records.put(ReleaseKeys.pointer(modelName), approved);
            try (ControlTopic control = ControlTopic.oneShot(bootstrapServers, controlTopic)) {
                control.publish(records);
            }
            System.out.printf("model %s: %s now serves (%s)%n", modelName, next.getVersion(), trigger);
        }
    }

    record Releases(ModelRelease serving, List<ModelRelease> versions) {}

    @Command(name = "list", description = "One line per release: version, kind, created, window, validation, status.")
    static final class ListReleases extends Target implements Callable<Integer> {
        @Override
        public Integer call() {
            Releases r = read();
            PrintStream o = System.out;
            o.printf("%-16s %-6s %-19s %8s %-35s %12s %12s %-9s %s%n", "version", "kind", "created (UTC)",
                    "window", "window span (UTC)", "holdout NLL", "serving NLL", "status", "serving");
            for (ModelRelease v : r.versions()) {
                Map<String, Double> m = v.getValidationMetrics();
                o.printf(Locale.ROOT, "%-16s %-6s %-19s %,8d %-35s %12s %12s %-9s %s%n", v.getVersion(),
                        v.getModelKind(), TIME.format(v.getCreatedAt()), v.getWindowEvents(), span(v),
                        metric(m, "candidate_nll"), metric(m, "serving_nll"), v.getStatus(),
                        r.serving() != null && r.serving().getVersion().equals(v.getVersion()) ? "*" : "");
            }
            if (r.versions().isEmpty()) {
                o.printf("no releases of model %s on %s%n", modelName, controlTopic);
            }
            return 0;
        }
    }

    @Command(name = "show", description = "Everything the control topic says about one release.")
    static final class Show extends Target implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "VERSION", description = "Version (a unique prefix is enough).")
        String version;

        @Override
        public Integer call() {
            Releases r = read();
            ModelRelease v = find(r, version);
            PrintStream o = System.out;
            o.printf("version      %s%nmodel        %s (%s)%nstatus       %s%s%ncreated      %s UTC%n",
                    v.getVersion(), v.getModelName(), v.getModelKind(), v.getStatus(),
                    r.serving() != null && r.serving().getVersion().equals(v.getVersion()) ? " (serving)" : "",
                    TIME.format(v.getCreatedAt()));
            o.printf("trigger      %s%nreason       %s%nparent       %s%n", v.getTrigger(), v.getReason(),
                    v.getParentVersion() == null ? "-" : v.getParentVersion());
            o.printf(Locale.ROOT, "window       %,d events %s%ncheckpoint   %s%nsha256       %s%nsigned       %s%n",
                    v.getWindowEvents(), span(v), v.getCheckpointUri(), v.getSha256(),
                    v.getSignature() == null ? "no" : "yes (Ed25519)");
            o.printf("features     %s%n", String.join(", ", v.getFeatureNames()));
            v.getValidationMetrics().forEach((k, x) -> o.printf(Locale.ROOT, "  %-22s %.6g%n", k, x));
            return 0;
        }
    }

    @Command(name = "promote", description = "Serve VERSION now (e.g. a rejected candidate an operator trusts).")
    static final class Promote extends Target implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "VERSION")
        String version;

        @Option(names = "--signing-key", description = "Ed25519 private key that signs the release (needed when "
                + "scorers require signatures and the version was never approved).")
        Path signingKey;

        @Override
        public Integer call() {
            Releases r = read();
            ModelRelease v = find(r, version);
            serve(r, v, "promote", "promoted by an operator", signingKey);
            return 0;
        }
    }

    @Command(name = "rollback", description = "Serve the release that served before the current one.")
    static final class Rollback extends Target implements Callable<Integer> {
        @Override
        public Integer call() {
            Releases r = read();
            if (r.serving() == null) {
                throw new UserError("model " + modelName + ": expected a serving release to roll back, got none");
            }
            String parent = r.serving().getParentVersion();
            ModelRelease previous = r.versions().stream()
                    .filter(v -> parent != null ? v.getVersion().equals(parent)
                            : v.getStatus() == ReleaseStatus.RETIRED)
                    .findFirst().orElseThrow(() -> new UserError("model " + modelName
                            + ": expected an earlier release to roll back to, got none"));
            // the earlier release's signature covers its checkpoint and model name, so it stays valid
            serve(r, previous, "rollback", "rolled back from " + r.serving().getVersion(), null);
            return 0;
        }
    }

    @Command(name = "retrain", description = "Ask the retrainer for a refit now.")
    static final class Retrain extends Target implements Callable<Integer> {
        @Option(names = "--requests-topic", defaultValue = "model-requests", description = "Requests topic.")
        String requestsTopic;

        @Option(names = "--note", defaultValue = "", description = "Why (kept with the request).")
        String note;

        @Override
        public Integer call() throws Exception {
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            RetrainRequest request = RetrainRequest.newBuilder().setModelName(modelName)
                    .setRequestedAt(Instant.now()).setRequestedBy(System.getProperty("user.name", "")).setNote(note)
                    .build();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(requestsTopic, modelName.getBytes(StandardCharsets.UTF_8),
                        WireCodec.of(RetrainRequest.class).encode(request))).get();
            }
            System.out.printf("refit of model %s requested on %s%n", modelName, requestsTopic);
            return 0;
        }
    }

    @Command(name = "keygen", description = "Write an Ed25519 key pair for signing releases.")
    static final class Keygen implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "Directory for release-signing.key and .pub.")
        Path out;

        @Override
        public Integer call() {
            Path key = out.resolve("release-signing.key");
            Path pub = out.resolve("release-signing.pub");
            ReleaseSigner.generateKeyPair(key, pub);
            System.out.printf("wrote %s (private: the retrainer's --signing-key) and %s (public: the scorers' "
                    + "--public-key)%n", key, pub);
            return 0;
        }
    }

    private static String span(ModelRelease v) {
        return v.getWindowStart() == null ? "-" : TIME.format(v.getWindowStart()) + " - "
                + TIME.format(v.getWindowEnd()).substring(11);
    }

    private static String metric(Map<String, Double> m, String key) {
        Double v = m.get(key);
        return v == null ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
