package io.flowguard.stream;

import io.flowguard.schemas.Alert;
import io.flowguard.schemas.ScoreResult;

/** What one event produced: always a score, and an alert when the decision layer flagged it (else null). */
public record ScoredOutcome(ScoreResult score, Alert alert) {}
