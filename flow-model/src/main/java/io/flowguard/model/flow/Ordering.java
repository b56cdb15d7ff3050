package io.flowguard.model.flow;

/** How the autoregressive order changes from one layer to the next. */
public enum Ordering {
    /** Input order in every layer: the flow is autoregressive in the input order and attributions are exact. */
    NATURAL,
    /** Input order, reversed on every other layer (the MAF paper's choice). */
    REVERSE,
    /** A seeded random permutation per layer. */
    RANDOM
}
