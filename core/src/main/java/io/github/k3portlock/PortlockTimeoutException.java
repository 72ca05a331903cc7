package io.github.k3portlock;

import java.time.Duration;

/**
 * Thrown (or used to complete a future exceptionally) when a lock was still held by someone else
 * when the caller's timeout ran out. Carries the key and the time actually waited.
 */
public class PortlockTimeoutException extends PortlockException {
    private static final long serialVersionUID = 1L;

    /** How long the caller waited. */
    private final Duration waited;

    /**
     * Creates a timeout exception.
     *
     * @param key the lock key
     * @param ports a description of the ports tried, for the message
     * @param waited how long the caller waited
     */
    public PortlockTimeoutException(String key, String ports, Duration waited) {
        super(key, -1, "timed out after " + waited.toMillis() + " ms waiting for lock '" + key
                + "' (" + ports + ")", null);
        this.waited = waited;
    }

    /**
     * Returns how long the caller waited before giving up.
     *
     * @return the waited time, never {@code null}
     */
    public Duration waited() {
        return waited;
    }
}
