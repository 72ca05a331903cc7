package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * The messages of {@link PortlockException} and {@link PortlockTimeoutException} that every
 * module of this project words the same way: the key quoted and cut by {@link Checks#quote}, then
 * the key's ports. Not API: user code catches these exceptions, it does not make them.
 */
public final class LockErrors {
    private LockErrors() {
    }

    /**
     * A port of {@code target} cannot be bound for a reason other than contention: {@code cannot
     * bind 127.0.0.1:44655 for lock 'k' (127.0.0.1:44655-44657 (quorum 2)): <reason>}.
     *
     * @param target the key's ports
     * @param address the address that could not be bound
     * @param reason what went wrong, for people
     * @param cause the bind failure
     * @return the exception, with its port set
     */
    public static PortlockException bindFailed(LockPorts target, InetSocketAddress address,
            String reason, Throwable cause) {
        return new PortlockException(target.key(), address.getPort(), "cannot bind "
                + Addresses.withPort(address.getAddress(), Integer.toString(address.getPort()))
                + " for lock " + Checks.quote(target.key()) + " (" + target + "): " + reason,
                cause);
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
}
