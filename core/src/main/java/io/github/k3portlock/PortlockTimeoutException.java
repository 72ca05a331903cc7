package io.github.k3portlock;

import io.github.k3portlock.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * Thrown (or used to complete a future exceptionally) when a lock was still held by someone else
 * when the caller's timeout ran out. Carries the key and the time actually waited.
 */
public class PortlockTimeoutException extends PortlockException {
    private static final long serialVersionUID = 1L;

    /** How long the caller waited. */
    private final Duration waited;

    /**
     * Creates a timeout exception. Prefer {@link #timedOut(LockPorts, Duration)}.
     *
     * @param key the lock key
     * @param ports a description of the ports tried, for the message
     * @param waited how long the caller waited
     */
    public PortlockTimeoutException(String key, String ports, Duration waited) {
        this(key, ports, waited, "");
    }

    private PortlockTimeoutException(String key, String ports, Duration waited, String detail) {
        super(key, -1, "timed out after " + waited.toMillis() + " ms waiting for lock "
                + Checks.quote(key) + " (" + ports + ")" + (detail.isEmpty() ? "" : "; " + detail),
                null);
        this.waited = waited;
    }

    /**
     * The lock on {@code target} was still held elsewhere after {@code waited}: {@code timed out
     * after 1000 ms waiting for lock 'k' (127.0.0.1:44655-44657 (quorum 2))}.
     *
     * @param target the key's ports
     * @param waited how long the caller waited
     * @return the exception
     */
    public static PortlockTimeoutException timedOut(LockPorts target, Duration waited) {
        return timedOut(target, waited, "");
    }

    /**
     * As {@link #timedOut(LockPorts, Duration)}, with what is known of the holder appended after
     * a semicolon, e.g. {@code "held by a handle of this AsyncPortlock, acquired at ..."}.
     *
     * @param target the key's ports
     * @param waited how long the caller waited
     * @param detail more words, or empty
     * @return the exception
     */
    public static PortlockTimeoutException timedOut(LockPorts target, Duration waited,
            String detail) {
        return new PortlockTimeoutException(target.key(), target.toString(), waited,
                Objects.requireNonNull(detail, "detail"));
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
