package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
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
     * @param target the key's ports
     * @param binder how to bind a port
     * @return the held ports, or {@code null} when the lock is held by someone else
     * @throws PortlockException when a port cannot be bound for any reason other than
     *     "address already in use"; nothing stays bound
     */
    public static PortHandle tryAcquire(LockPorts target, PortBinder binder) {
        // The hot path allocates nothing but the handle and its socket array: no boxed ports, no
        // port list (PortHandle computes it on demand from heldMask).
        List<InetSocketAddress> addresses = target.socketAddresses();
        int count = addresses.size();
        int quorum = target.quorum();
        int allowedMisses = count - quorum;
        Closeable[] held = new Closeable[quorum];
        int heldMask = 0;
        int bound = 0;
        int missed = 0;
        for (int i = 0; i < count; i++) {
            InetSocketAddress address = addresses.get(i);
            Closeable socket;
            try {
                socket = binder.bind(address);
            } catch (IOException e) {
                if (isAddressInUse(e)) {
                    if (++missed > allowedMisses) {
                        closeAll(held, bound, null);
                        return null;
                    }
                    continue;
                }
                PortlockException failure = bindFailure(target, address, e);
                closeAll(held, bound, failure);
                throw failure;
            } catch (RuntimeException | Error e) {
                closeAll(held, bound, e);
                throw e;
            }
            held[bound++] = socket;
            heldMask |= 1 << i;
            if (bound == quorum) {
                RELEASES.get(); // pairs with publishRelease(): see RELEASES
                return new PortHandle(target, held, heldMask);
            }
        }
        throw new AssertionError("unreachable: quorum " + quorum + " of " + count);
    }

    /**
     * Tells whether a bind failure means "someone else holds this port".
     *
     * @param e the failure
     * @return {@code true} for EADDRINUSE
     */
    public static boolean isAddressInUse(IOException e) {
        String m = e.getMessage();
        return e instanceof BindException && m != null && m.contains("in use");
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
        return new PortlockException(target.key(), address.getPort(),
                "cannot bind " + address.getAddress().getHostAddress() + ":" + address.getPort()
                        + " for lock '" + target.key() + "' (" + target + "): " + hint + " ("
                        + m + ")", e);
    }

    private static void closeAll(Closeable[] held, int bound, Throwable failure) {
        for (int i = 0; i < bound; i++) {
            try {
                held[i].close();
            } catch (IOException | RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
        Arrays.fill(held, null);
    }
}
