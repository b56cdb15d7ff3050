package io.flowguard.retrainer;

/**
 * Crash injection for the kill tests: with {@code -Dflowguard.retrainer.crash-at=POINT} the process halts at that
 * point as a SIGKILL would (no shutdown hooks, no flushing). Points: trained, stored, candidate. Off by default.
 */
final class Crash {

    private static final String AT = System.getProperty("flowguard.retrainer.crash-at", "");

    private Crash() {}

    static void at(String point) {
        if (AT.equals(point)) {
            System.err.println("flowguard retrainer: crash injected at " + point);
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }
}
