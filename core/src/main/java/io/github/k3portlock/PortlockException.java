package io.github.k3portlock;

/**
 * Root of the unchecked exceptions thrown when a lock cannot be taken for a reason other than
 * misuse: a port that cannot be bound for a reason other than contention (address not local,
 * permission denied, too many open files), an interrupted wait, or a timeout
 * ({@link PortlockTimeoutException}).
 *
 * <p>Misuse (a null or empty key, a negative duration, an even port count) is reported with the
 * JDK's own {@link NullPointerException}, {@link IllegalArgumentException} and
 * {@link IllegalStateException} instead.
 */
public class PortlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The key, or {@code null} when none applies. */
    private final String key;
    /** The port involved, or {@code -1} when none applies. */
    private final int port;

    /**
     * Creates an exception about {@code key}.
     *
     * @param key the lock key, or {@code null}
     * @param port the port involved, or {@code -1}
     * @param message the detail message; should name the key and the port
     * @param cause the underlying cause, or {@code null}
     */
    public PortlockException(String key, int port, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
        this.port = port;
    }

    /**
     * Returns the key of the lock this exception is about.
     *
     * @return the key, or {@code null} when none applies
     */
    public String key() {
        return key;
    }

    /**
     * Returns the port whose binding failed.
     *
     * @return the port, or {@code -1} when no single port is to blame
     */
    public int port() {
        return port;
    }
}
