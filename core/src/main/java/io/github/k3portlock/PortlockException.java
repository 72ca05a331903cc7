package io.github.k3portlock;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Root of the unchecked exceptions thrown when a lock cannot be taken for a reason other than
 * misuse: a port that cannot be bound for a reason other than contention (address not local,
 * permission denied, too many open files), an interrupted wait, or a timeout
 * ({@link PortlockTimeoutException}).
 *
 * <p>Misuse (a null or empty key, a negative duration, an even port count) is reported with the
 * JDK's own {@link NullPointerException}, {@link IllegalArgumentException} and
 * {@link IllegalStateException} instead.
 *
 * <p>Messages name the key in quotes, cut after 64 characters ({@code 'aaa…(10240 chars)'}), and
 * the key's ports; {@link #key()} returns the whole key.
 *
 * <p>Instances are immutable once thrown and safe to share among threads.
 */
public class PortlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The whole lock key. */
    private final String key;
    /** The port involved, or {@code -1} when none applies. */
    private final int port;

    /**
     * Creates an exception about {@code key}.
     *
     * @param key the lock key
     * @param port the port involved, or {@code -1} when no single port is to blame
     * @param message the detail message; should name the key and the port
     * @param cause the underlying cause, or {@code null}
     * @throws NullPointerException if {@code key} is null
     */
    public PortlockException(String key, int port, String message, Throwable cause) {
        super(message, cause);
        this.key = Objects.requireNonNull(key, "key");
        this.port = port;
    }

    /**
     * Returns the key of the lock this exception is about, whole (messages may cut it).
     *
     * @return the key, never null
     */
    public String key() {
        return key;
    }

    /**
     * Returns the port whose binding failed.
     *
     * @return the port, or empty when no single port is to blame
     */
    public OptionalInt port() {
        return port < 0 ? OptionalInt.empty() : OptionalInt.of(port);
    }
}
