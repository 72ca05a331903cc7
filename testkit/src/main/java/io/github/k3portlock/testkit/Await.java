package io.github.k3portlock.testkit;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.opentest4j.AssertionFailedError;

/** Waits for a condition with a deadline: the tests' replacement for a bare sleep. */
public final class Await {
    /** Generous: the box has 2 cores and other builds may run at the same time. */
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    private Await() {
    }

    /**
     * Polls {@code condition} every millisecond or two until it holds.
     *
     * @param what what is awaited, for the failure message
     * @param patience the deadline
     * @param condition the condition
     * @throws AssertionFailedError when the deadline passes first
     */
    public static void until(String what, Duration patience, BooleanSupplier condition) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionFailedError(
                        "timed out after " + patience + " waiting until " + what);
            }
            try {
                Thread.sleep(1); // a poll interval, not a stand-in for the condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionFailedError("interrupted waiting until " + what, e);
            }
        }
    }

    /**
     * {@link #until(String, Duration, BooleanSupplier)} with {@link #PATIENCE}.
     *
     * @param what what is awaited
     * @param condition the condition
     */
    public static void until(String what, BooleanSupplier condition) {
        until(what, PATIENCE, condition);
    }
}
