package io.flowguard.stream;

import io.flowguard.schemas.DeadLetterReason;

/** Why one input cannot be scored: the dead-letter reason and a one-line detail naming the field. */
public record RejectedEvent(DeadLetterReason reason, String detail) {}
