package io.github.k3portlock.internal;

import io.github.k3portlock.LockMode;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Objects;

/**
 * How one {@code Portlock} takes its hold in its mode: an exclusive attempt is the plain
 * {@link Quorum}; a shared attempt takes the key's writer gate shared, then the key's ports
 * shared, then checks the Python original's Linux name, and lets the gate go. Also makes the
 * {@link WriterGate} an exclusive {@code acquire()} holds while it waits. Thread-safe: its state
 * is immutable but for the writer gate's ports, derived once on first need.
 */
public final class ModeHold {
    /**
     * The binder of shared holds: a real channel with {@code SO_REUSEPORT} set before the bind,
     * bound and listening as {@link PortBinder#DEFAULT}. Sockets that all set it share a port; a
     * socket without it (an exclusive hold, the Python original's plain bind) cannot join them,
     * nor they it.
     */
    public static final PortBinder SHARED_BINDER = ModeHold::openShared;

    /** The key's ports with the original's name, if locks of this JVM hold it. */
    private final LockPorts target;
    /** The same ports without the name: a shared hold cannot keep a name (one holder each). */
    private final LockPorts unnamed;
    /**
     * The key's writer gate: set at construction for a shared lock (every attempt needs it), on
     * first wait for an exclusive one (an uncontended lock never derives it). A racy single-check
     * of an immutable value.
     */
    private LockPorts gate;
    /** The exclusive binder (the lock's own); shared holds bind with {@link #SHARED_BINDER}. */
    private final PortBinder binder;
    private final boolean shared;

    private ModeHold(LockPorts target, LockPorts unnamed, LockPorts gate, PortBinder binder,
            boolean shared) {
        this.target = Objects.requireNonNull(target, "target");
        this.unnamed = Objects.requireNonNull(unnamed, "unnamed");
        this.gate = gate;
        this.binder = Objects.requireNonNull(binder, "binder");
        this.shared = shared;
    }

    /**
     * Returns how a lock on {@code target} takes its holds: shared or exclusive. The one way to
     * make them, for every front end (the blocking and the async lock).
     *
     * @param mode the mode
     * @param target the key's ports
     * @param binder the exclusive binder (shared holds always bind with {@link #SHARED_BINDER})
     * @return the holds
     * @throws IllegalStateException if {@code mode} is shared and this platform has no
     *     {@code SO_REUSEPORT}
     */
    public static ModeHold of(LockMode mode, LockPorts target, PortBinder binder) {
        // Only a shared lock asks: learning it opens a socket, which an exclusive one never pays.
        return of(mode, target, binder,
                Objects.requireNonNull(mode, "mode") == LockMode.SHARED
                        ? sharedUnavailableReason() : null);
    }

    /** As {@link #of(LockMode, LockPorts, PortBinder)} on a platform where {@code why} holds. */
    static ModeHold of(LockMode mode, LockPorts target, PortBinder binder, String why) {
        if (mode == LockMode.EXCLUSIVE) {
            return new ModeHold(target, target, null, binder, false);
        }
        if (why != null) {
            throw new IllegalStateException("cannot hold lock " + Checks.quote(target.key())
                    + " SHARED: " + why);
        }
        LockPorts unnamed = target.linuxName().isEmpty() ? target
                : ports(target, target.basePort());
        return new ModeHold(target, unnamed, writerGate(target), PortBinder.DEFAULT, true);
    }

    /**
     * Returns the writer gate of {@code target}: as many ports as the key's, right after them
     * (right before them when they would pass 65535), on the same address. Never overlaps the
     * key's own ports, which a writer binds while it holds the gate.
     *
     * @param target the key's ports
     * @return the gate's ports, holding no Linux name
     */
    public static LockPorts writerGate(LockPorts target) {
        int count = target.numbers().size();
        int base = target.basePort() + count;
        if (base + count - 1 > 65535) {
            base = target.basePort() - count;
        }
        return ports(target, base);
    }

    /** {@code target}'s count of ports from {@code base}, on its address, without a name. */
    private static LockPorts ports(LockPorts target, int base) {
        return PortScheme.builder().host(target.address()).allowNonLoopback()
                .range(base, 1).portCount(target.numbers().size())
                .interop(PortScheme.Interop.TCP_ONLY).build().lockPorts(target.key());
    }

    /**
     * Why this JVM cannot take shared holds, or {@code null} when it can.
     *
     * @return the reason, naming the platform, or {@code null}
     */
    public static String sharedUnavailableReason() {
        return Support.REASON;
    }

    /**
     * Tells whether holds are shared.
     *
     * @return {@code true} for a shared lock
     */
    public boolean shared() {
        return shared;
    }

    /**
     * Tries once to take the hold, see {@link Quorum#tryAcquire(LockPorts, PortBinder)}.
     *
     * @return the held ports, or {@code null} when the key is held in a conflicting way (or,
     *     for a shared hold, a writer waits)
     * @throws io.github.k3portlock.PortlockException on a failure other than contention
     */
    public PortHandle tryAcquire() {
        if (!shared) {
            return Quorum.tryAcquire(target, binder);
        }
        PortHandle pass = Quorum.tryAcquire(gate, SHARED_BINDER);
        if (pass == null) {
            return null; // a writer waits (or holds the gate): no new reader until it is in
        }
        try {
            PortHandle h = Quorum.tryAcquire(unnamed, SHARED_BINDER);
            try {
                if (h != null && !nameIsFree()) {
                    h.release();
                    return null;
                }
            } catch (RuntimeException | Error e) {
                h.release(); // a failure checking the name (out of descriptors): no hold is kept
                throw e;
            }
            return h;
        } finally {
            // The gate is let go only after the shared hold exists: a writer that binds the gate
            // later sees this reader as a holder of the ports, never as a reader still to come.
            pass.release();
        }
    }

    /** The original's Linux name is free (or not held by this JVM's locks): checked, let go. */
    private boolean nameIsFree() {
        Closeable name = NameBinder.tryHold(target);
        if (name == null) {
            return false;
        }
        Descriptors.close(name, target.key(), -1, null);
        return true;
    }

    /**
     * Returns the writer gate of one {@code acquire()}: an exclusive lock's holds the key's gate
     * while it waits; a shared lock's does nothing.
     *
     * @return a new gate, not yet held
     */
    public WriterGate waitingWriter() {
        return new WriterGate(shared ? null : this, binder);
    }

    /** The writer gate's ports, derived on first need (an uncontended acquire never asks). */
    LockPorts gate() {
        LockPorts g = gate;
        if (g == null) {
            g = writerGate(target);
            gate = g; // LockPorts' final fields make the unsynchronized publication safe
        }
        return g;
    }

    private static ServerSocketChannel openShared(InetSocketAddress address) throws IOException {
        ServerSocketChannel ch = PortBinder.openChannel(address);
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return ch;
    }

    /** Learns once whether this JVM's server sockets offer {@code SO_REUSEPORT}. */
    static final class Support {
        static final String REASON = learn();

        private Support() {
        }

        private static String learn() {
            Descriptors.ready(); // before the first socket: see Descriptors
            String os = System.getProperty("os.name", "this platform");
            try (ServerSocketChannel ch = ServerSocketChannel.open()) {
                return reason(ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT),
                        os);
            } catch (IOException e) {
                return "cannot open a socket to learn whether " + os + " offers SO_REUSEPORT ("
                        + e.getMessage() + ")";
            }
        }

        static String reason(boolean offered, String os) {
            return offered ? null : os + " offers no SO_REUSEPORT, which shared holds need (Linux,"
                    + " macOS and the BSDs have it; Windows does not); use LockMode.EXCLUSIVE";
        }
    }
}
