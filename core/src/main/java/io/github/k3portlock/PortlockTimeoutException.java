package io.github.k3portlock;

import io.github.k3portlock.internal.Checks;
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
     * Creates a timeout exception: {@code timed out after 1000 ms waiting for lock 'k'
     * (127.0.0.1:44655-44657 (quorum 2))}.
     *
     * @param key the lock key
     * @param ports a description of the ports tried, for the message
     * @param waited how long the caller waited
     */
    public PortlockTimeoutException(String key, String ports, Duration waited) {
        this(key, ports, waited, "");
    }

    /**
     * Creates a timeout exception whose message ends with what is known of the holder, after a
     * semicolon.
     *
     * @param key the lock key
     * @param ports a description of the ports tried, for the message
     * @param waited how long the caller waited
     * @param detail more words, e.g. {@code "held by a handle of this AsyncPortlock"}, or empty
     */
    public PortlockTimeoutException(String key, String ports, Duration waited, String detail) {
        super(key, -1, "timed out after " + waited.toMillis() + " ms waiting for lock "
                + Checks.quote(key) + " (" + ports + ")" + (detail.isEmpty() ? "" : "; " + detail),
                null);
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
