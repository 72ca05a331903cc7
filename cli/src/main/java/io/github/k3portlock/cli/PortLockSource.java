package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.status.LockStatus;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * The port lock, for {@code portlock run}: a {@link Portlock} on the key's ports. The conflict
 * message names the holder as {@link LockStatus} reports it. Main thread only.
 */
final class PortLockSource implements LockSource {
    /** The longest command line quoted in the one-line conflict message. */
    private static final int MAX_COMMAND_LINE = 160;

    private final LockPorts ports;
    private final PortScheme scheme;
    /** The lock, once {@link #acquire} has made it. */
    private Portlock lock;

    private PortLockSource(LockPorts ports, PortScheme scheme) {
        this.ports = ports;
        this.scheme = scheme;
    }

    /**
     * Maps the key to its ports.
     *
     * @throws Args.UsageException for a bad key or scheme
     */
    static PortLockSource create(Args.Spec spec, SchemeOptions scheme, String key) {
        LockPorts ports = Main.ports(spec, scheme, key);
        return new PortLockSource(ports, Main.scheme(spec, scheme));
    }

    /** With {@code --verbose}: says once if this run cannot exclude the Python original. */
    void noticeInterop(boolean verbose, PrintWriter err) {
        InteropNotice.onRun(scheme, ports, verbose, err);
    }

    @Override
    public String describe() {
        return ports.toString();
    }

    @Override
    public boolean acquire(Duration timeout, Runnable waiting) {
        lock = Portlock.builder(ports.key()).scheme(scheme)
                .timeout(timeout == null ? Durations.MAX : timeout).build();
        if (lock.tryLock()) {
            return true;
        }
        if (timeout != null && timeout.isZero()) {
            return false;
        }
        waiting.run();
        try {
            lock.acquire();
            return true;
        } catch (PortlockTimeoutException e) {
            return false;
        }
    }

    @Override
    public String holder() {
        return Report.heldBy(LockStatus.inspect(ports), MAX_COMMAND_LINE);
    }

    @Override
    public String heldDetail() {
        return "";
    }

    @Override
    public void onLost(Runnable action) {
        // The kernel holds the ports for this process until it releases them or dies.
    }

    @Override
    public void release() {
        if (lock != null) {
            lock.release();
        }
    }

    @Override
    public void abandon() {
        // The JVM's exit closes the sockets, and the kernel frees the ports.
    }
}
