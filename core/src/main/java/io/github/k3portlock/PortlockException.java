package io.github.k3portlock;

import io.github.k3portlock.internal.Addresses;
import io.github.k3portlock.internal.Checks;
import java.net.InetSocketAddress;
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
 * the key's ports; {@link #key()} returns the whole key. The static factories build the messages
 * every module uses.
 */
public class PortlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The whole lock key. */
    private final String key;
    /** The port involved, or {@code -1} when none applies. */
    private final int port;

    /**
     * Creates an exception about {@code key}. Prefer the factories, which word the message.
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
     * A port of {@code target} cannot be bound for a reason other than contention: {@code cannot
     * bind 127.0.0.1:44655 for lock 'k' (127.0.0.1:44655-44657 (quorum 2)): <reason>}.
     *
     * @param target the key's ports
     * @param address the address that could not be bound
     * @param reason what went wrong, for people
     * @param cause the bind failure
     * @return the exception, with {@link #port()} set
     */
    public static PortlockException bindFailed(LockPorts target, InetSocketAddress address,
            String reason, Throwable cause) {
        return new PortlockException(target.key(), address.getPort(), "cannot bind "
                + Addresses.withPort(address.getAddress(), Integer.toString(address.getPort()))
                + " for lock "
                + Checks.quote(target.key()) + " (" + target + "): " + reason, cause);
    }

    /**
     * A wait for {@code target} was interrupted: {@code interrupted while waiting for lock 'k'
     * (...)}. The caller sets the thread's interrupt status again.
     *
     * @param target the key's ports
     * @param cause the interruption
     * @return the exception
     */
    public static PortlockException interrupted(LockPorts target, InterruptedException cause) {
        return forLock(target, "interrupted while waiting for", "", cause);
    }

    /**
     * Any other failure about {@code target}: the message is {@code before + " lock 'k' (ports)"
     * + after}, e.g. {@code forLock(t, "cannot wait for", ": the scheduler is shut down", null)}.
     *
     * @param target the key's ports
     * @param before the words before the key, e.g. {@code "cannot wait for"}
     * @param after the words after the ports, starting with a separator, or empty
     * @param cause the underlying cause, or {@code null}
     * @return the exception
     */
    public static PortlockException forLock(LockPorts target, String before, String after,
            Throwable cause) {
        return new PortlockException(target.key(), -1, before + " lock "
                + Checks.quote(target.key()) + " (" + target + ")" + after, cause);
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
