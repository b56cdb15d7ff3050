package io.flowguard.app;

import io.flowguard.model.FlowGuardException;
import io.flowguard.model.score.AlertPolicy;
import io.flowguard.model.score.AlertPolicy.Rule;
import io.flowguard.model.score.Scorer;
import io.flowguard.model.score.Thresholds;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The alert policy options shared by the commands that decide on events. */
final class PolicyOptions {

    @Option(names = "--false-alarm-rate", defaultValue = "1e-4", description = "Target share of normal events "
            + "alerted; thresholds come from the checkpoint's held-out calibration (default: ${DEFAULT-VALUE}).")
    double falseAlarmRate;

    @Option(names = "--rule", defaultValue = "guarded", description = "guarded (low density + high-density and "
            + "window typicality guards) or plain (low density only) (default: ${DEFAULT-VALUE}).")
    String rule;

    AlertPolicy policy() {
        Rule r;
        try {
            r = Rule.valueOf(rule.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--rule: expected guarded or plain, got '" + rule + "'");
        }
        try {
            return new AlertPolicy(falseAlarmRate, r);
        } catch (FlowGuardException e) {
            throw new UserError("--false-alarm-rate: " + e.getMessage());
        }
    }

    /** The policy resolved for {@code scorer}; a user error naming {@code model} when it has no calibration. */
    Thresholds thresholds(Scorer scorer, Path model) {
        AlertPolicy p = policy();
        try {
            return p.thresholds(scorer.calibration(), scorer.features());
        } catch (FlowGuardException e) {
            throw new UserError(model + ": " + e.getMessage());
        }
    }
}
