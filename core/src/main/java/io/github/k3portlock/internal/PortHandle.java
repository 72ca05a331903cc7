package io.github.k3portlock.internal;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import java.io.Closeable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The held quorum of one key: the bound sockets, closed exactly once by the first release.
 * A handle that becomes unreachable unreleased is reported by a {@link LeakWatch}, not released:
 * see there why. This class is thread-safe.
 */
public final class PortHandle implements LockHandle {
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup()
                    .findVarHandle(PortHandle.class, "released", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LockPorts target;
    private final Closeable[] sockets;
    /** Bit {@code i} set: the key's port {@code i} is one of {@code sockets}. */
    private final int heldMask;
    /** {@code nanoTime} when the quorum was taken: the hand-over's guess at a turn's length. */
    private final long takenAt;
    private final LeakWatch leak;
    /** The original's Linux name, closed before the ports, or {@link NameBinder#NONE}. */
    private final Closeable name;
    /** Computed on first use, off the acquire path; a racy single-check of an immutable list. */
    private List<Integer> ports;
    @SuppressWarnings("unused") // accessed through RELEASED
    private volatile int released;

    PortHandle(LockPorts target, Closeable[] sockets, int heldMask) {
        this(target, sockets, heldMask, NameBinder.NONE);
    }

    PortHandle(LockPorts target, Closeable[] sockets, int heldMask, Closeable name) {
        this.name = name;
        this.target = target;
        this.sockets = sockets;
        this.heldMask = heldMask;
        this.leak = LeakWatch.watch(this, target.key(), target.toString());
        this.takenAt = System.nanoTime();
    }

    /**
     * Returns the key's ports this handle was taken for.
     *
     * @return the target
     */
    public LockPorts target() {
        return target;
    }

    @Override
    public String key() {
        return target.key();
    }

    @Override
    public List<Integer> ports() {
        List<Integer> p = ports;
        if (p == null) {
            List<Integer> all = target.numbers();
            Integer[] held = new Integer[Integer.bitCount(heldMask)];
            for (int i = 0, j = 0; i < all.size(); i++) {
                if ((heldMask & (1 << i)) != 0) {
                    held[j++] = all.get(i);
                }
            }
            // List.of's final fields make the unsynchronized publication safe.
            p = List.of(held);
            ports = p;
        }
        return p;
    }

    @Override
    public boolean isValid() {
        return released == 0;
    }

    /**
     * Hands the key over to the oldest waiter ({@link HandOver}: its lines are accepted first),
     * closes the original's Linux name if held, then the held sockets from the highest port down
     * (the lowest, which waiters watch, last), once. Never throws (but a
     * {@link VirtualMachineError}): a close that fails, out of descriptors or otherwise, is logged
     * on the {@code io.github.k3portlock} logger and the remaining sockets are still closed;
     * close(2) of a listening socket frees the port even when it reports an error, and there is
     * nothing a caller could do with it.
     */
    @Override
    public void release() {
        release(true);
    }

    /**
     * As {@link #release()} with {@code fair}: the oldest waiter is told it is next and this JVM
     * promises not to take the key again before that waiter had its turn ({@link HandOver},
     * {@link HandOverYield}). Without (a barging lock), nothing is accepted: the close resets
     * every waiter's line, they race, and this JVM may take the key again at once; a release costs
     * no accept.
     *
     * @param fair whether to hand the key over to the oldest waiter
     */
    public void release(boolean fair) {
        if (!RELEASED.compareAndSet(this, 0, 1)) {
            return;
        }
        leak.released();
        Quorum.publishRelease();
        HandOver lines = fair ? HandOver.collect(target, sockets) : null; // before any close
        if (lines != null) {
            lines.promise(); // before any close too: no attempt of ours can beat the promise
        }
        VirtualMachineError fatal = null;
        try {
            Descriptors.close(name, target.key(), -1, null); // first: acquirers take it last
        } catch (VirtualMachineError e) {
            fatal = e;
        }
        for (int i = sockets.length - 1; i >= 0; i--) { // the lowest, which waiters watch, last
            try {
                sockets[i].close();
            } catch (VirtualMachineError e) {
                fatal = fatal == null ? e : fatal; // close the rest first
            } catch (Throwable e) {
                Descriptors.closeFailed(target.key(), ports().get(i), e);
            }
        }
        if (lines != null) {
            // The ports are closed: the chosen waiter can bind at once.
            lines.deliver(true, System.nanoTime() - takenAt);
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "LockHandle{key=" + Checks.quote(target.key()) + ", ports=" + ports()
                + (isValid() ? "" : ", released") + "}";
    }
}
