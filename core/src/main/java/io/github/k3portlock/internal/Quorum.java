package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import java.io.Closeable;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One attempt to take a key's quorum of ports. Stateless and thread-safe.
 */
public final class Quorum {
    /**
     * Release sequence: written before a handle closes its sockets and read after a quorum is
     * taken, so that (within one JVM) a release happens-before the next acquisition of the same
     * ports. The kernel orders the binds, but the memory model does not know about the kernel.
     */
    private static final AtomicLong RELEASES = new AtomicLong();

    static {
        Descriptors.ready(); // before the first socket: see Descriptors
    }

    /** Set once {@link Debug} is initialised: from then on, successful attempts are logged too. */
    private static volatile boolean debugReady;

    private Quorum() {
    }

    static void publishRelease() {
        RELEASES.incrementAndGet();
    }

    /**
     * Tries once to bind a quorum of {@code target}'s ports, in order, stopping as soon as the
     * quorum is reached or can no longer be reached. On a miss, every port bound by this attempt
     * is closed before returning.
     *
     * <p>Every binder runs through this one loop. A channel whose bind met "address already in
     * use" is still open, so the next port reuses it instead of closing it and opening another.
     * A miss (two ports in use) then opens one socket instead of two, about a quarter cheaper
     * (8.9 to 6.8 µs, MissBench in the bench module). The hot path allocates nothing but the
     * handle and its socket array (PortHandle computes its port list on demand from the mask).
     *
     * <p>When {@code target} has a {@linkplain LockPorts#linuxName() Linux name}, it is taken
     * once the quorum is ({@link NameBinder}); if it is in use, the ports are released at once.
     * A miss on the ports never touches the name.
     *
     * @param target the key's ports
     * @param binder how to bind a port
     * @return the held ports, or {@code null} when the lock is held by someone else
     * @throws PortlockException when a port (or the name) cannot be bound for any reason other
     *     than "address already in use"; nothing stays bound
     */
    public static PortHandle tryAcquire(LockPorts target, PortBinder binder) {
        PortHandle h;
        try {
            h = attempt(target, binder);
        } catch (RuntimeException | Error e) {
            debug(target, "failed", e);
            throw e;
        }
        if (h == null) {
            debug(target, "held elsewhere", null);
        } else if (debugReady) { // an uncontended process never pays for the logger
            debug(target, "acquired " + h.ports(), null);
        }
        return h;
    }

    /** One attempt; see {@link #tryAcquire(LockPorts, PortBinder)}. */
    private static PortHandle attempt(LockPorts target, PortBinder binder) {
        List<InetSocketAddress> addresses = target.socketAddresses();
        int count = addresses.size();
        int quorum = target.quorum();
        int allowedMisses = count - quorum;
        ServerSocketChannel[] held = new ServerSocketChannel[quorum];
        int heldMask = 0;
        int bound = 0;
        int missed = 0;
        ServerSocketChannel spare = null; // open, not held; closed by the finally unless bound
        PortHandle handle = null;
        Closeable name = NameBinder.NONE; // the original's Linux name, taken after the ports
        Throwable failure = null;
        int port = -1;
        try {
            for (int i = 0; i < count; i++) {
                InetSocketAddress address = addresses.get(i);
                port = address.getPort();
                boolean reused = spare != null;
                ServerSocketChannel socket;
                try {
                    socket = reused ? spare : binder.open(address);
                    spare = socket;
                    binder.bind(socket, address, PortBinder.BACKLOG);
                    spare = null;
                } catch (IOException e) {
                    if (isAddressInUse(e)) {
                        if (++missed > allowedMisses) {
                            return null;
                        }
                        continue; // the channel stays as the spare for the next port
                    }
                    if (reused) {
                        // Guard against the listen race: "in use" can come from listen(2), not
                        // bind(2), when another SO_REUSEADDR socket bound the same port at the
                        // same time and listened first. The spare is then bound after all, and
                        // binding it again fails with EINVAL. Retry the port on a fresh channel.
                        close(spare, target, e);
                        spare = null;
                        i--;
                        continue;
                    }
                    throw bindFailure(target, address, e);
                }
                held[bound++] = socket;
                heldMask |= 1 << i;
                if (bound == quorum) {
                    Closeable taken = NameBinder.tryHold(target);
                    if (taken == null) {
                        return null; // the original holds the key: the finally frees the ports
                    }
                    name = taken; // never null: the finally closes it if the handle is not made
                    RELEASES.get(); // pairs with publishRelease(): see RELEASES
                    handle = new PortHandle(target, held, heldMask, name);
                    return handle;
                }
            }
            throw new AssertionError("unreachable: quorum " + quorum + " of " + count);
        } catch (RuntimeException | Error e) {
            failure = e;
            if (e instanceof Error && Descriptors.isOutOfDescriptors(e)) {
                PortlockException p = Descriptors.outOfDescriptors(target, port, e);
                failure = p;
                throw p;
            }
            throw e;
        } finally {
            if (spare != null) {
                close(spare, target, failure);
            }
            if (handle == null) {
                close(name, target, failure);
                closeAll(held, bound, target, failure);
            }
        }
    }

    private static void close(Closeable c, LockPorts target, Throwable failure) {
        Descriptors.close(c, target.key(), -1, failure);
    }

    /**
     * Tells whether a bind failure means "someone else holds this port" (EADDRINUSE).
     *
     * <p>The JDK reports EADDRINUSE, EADDRNOTAVAIL and EACCES all as {@link BindException}, told
     * apart only by the C library's message, which is translated in the user's locale ("Die
     * Adresse wird bereits verwendet"). So the message is learned once per JVM by provoking the
     * error on purpose; the English text is accepted too.
     *
     * @param e the failure
     * @return {@code true} for EADDRINUSE
     */
    public static boolean isAddressInUse(IOException e) {
        return isAddressInUse(e, InUse.MESSAGE);
    }

    static boolean isAddressInUse(IOException e, String learned) {
        String m = e.getMessage();
        return e instanceof BindException && m != null
                && (m.equals(learned) || m.contains("already in use"));
    }

    /** Learns this JVM's EADDRINUSE message once (holder idiom), in Descriptors' warm-up. */
    static final class InUse {
        static final String MESSAGE = learn();

        private InUse() {
        }

        private static String learn() {
            InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            try (ServerSocketChannel a = ServerSocketChannel.open();
                 ServerSocketChannel b = ServerSocketChannel.open()) {
                a.bind(any, 1);
                b.bind(a.getLocalAddress(), 1);
            } catch (BindException e) {
                return e.getMessage();
            } catch (IOException | RuntimeException e) {
                // No loopback to learn from: only the English text will be recognised.
            }
            return "Address already in use";
        }
    }

    private static PortlockException bindFailure(LockPorts target, InetSocketAddress address,
            IOException e) {
        String m = String.valueOf(e.getMessage());
        String hint;
        if (m.contains("assign requested address") || m.contains("not available")) {
            hint = "the address is not local to this host";
        } else if (m.contains("Permission denied") || m.contains("permission")) {
            hint = "permission denied";
        } else if (m.contains("Too many open files")) {
            hint = "this process is out of file descriptors";
        } else {
            hint = e.getClass().getSimpleName();
        }
        return LockErrors.bindFailed(target, address, hint + " (" + m + ")", e);
    }

    private static void closeAll(Closeable[] held, int bound, LockPorts target,
            Throwable failure) {
        for (int i = 0; i < bound; i++) {
            Descriptors.close(held[i], target.key(), -1, failure);
        }
        Arrays.fill(held, null);
    }

    /** Logs at DEBUG; never fails the attempt (the logger itself may be out of descriptors). */
    private static void debug(LockPorts target, String what, Throwable failure) {
        try {
            Debug.log(target, what, failure);
        } catch (LinkageError | RuntimeException e) {
            // Logging is best-effort: an attempt's outcome must not depend on it.
        }
    }

    /**
     * Attempts at DEBUG on the {@code io.github.k3portlock} logger. Set up by the first miss or
     * failure only: {@code System.getLogger} costs tens of milliseconds on first use, which an
     * uncontended process (the CLI's {@code run}) should not pay.
     */
    private static final class Debug {
        static final System.Logger LOG = System.getLogger(LeakWatch.LOGGER_NAME);

        static {
            debugReady = true;
        }

        private Debug() {
        }

        static void log(LockPorts target, String what, Throwable failure) {
            if (LOG.isLoggable(Level.DEBUG)) {
                String m = "attempt on lock " + Checks.quote(target.key()) + " (" + target + "): "
                        + what;
                if (failure == null) {
                    LOG.log(Level.DEBUG, m);
                } else {
                    LOG.log(Level.DEBUG, m, failure);
                }
            }
        }
    }
}
