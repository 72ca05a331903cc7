package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The promise a release made when it handed the key to a waiter ({@link HandOver}): until that
 * waiter had its turn, nobody in this JVM takes the key again, whichever instance or API asks.
 * Without it the releaser, already running, would usually bind the ports again before the woken
 * waiter (in another process) is even scheduled. The promise ends when this JVM sees a holder
 * listening on the key (the chosen waiter, or whoever beat it), when the chosen waiter in this JVM
 * takes it, or after {@link #GRACE_NANOS} at the latest, so that a chosen waiter that died or
 * gave up never keeps the key from everyone. Thread-safe: one concurrent map, keyed by the key's
 * addresses; empty (one volatile read per attempt) while no promise is pending.
 */
public final class HandOverYield {
    /**
     * How long a promise lasts at most: 20 ms, the time a chosen waiter gets to bind after the
     * release, and the time after which the other waiters may attempt again if it did not. Long
     * enough for a woken process to be scheduled on a loaded machine (on a 2-core VM at load 8,
     * 5 ms was overrun in about 2 % of hand-overs), and a lost promise (the chosen waiter died or
     * gave up) costs at most this, once: two of the Python original's 10 ms polls.
     */
    public static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** Key addresses to the {@code nanoTime} deadline of the pending promise. */
    private static final ConcurrentHashMap<List<InetSocketAddress>, Long> PENDING =
            new ConcurrentHashMap<>();

    /** Above this many promises, ended ones are dropped when a new one is made. */
    static final int PURGE_ABOVE = 64;

    private HandOverYield() {
    }

    /**
     * Records that the key was just handed to a waiter.
     *
     * @param target the key's ports
     */
    static void promised(LockPorts target) {
        long now = System.nanoTime();
        if (PENDING.size() >= PURGE_ABOVE) {
            // Promises of keys nobody asked about again: drop the ended ones.
            PENDING.values().removeIf(until -> now - until >= 0);
        }
        PENDING.put(target.socketAddresses(), now + GRACE_NANOS);
    }

    /**
     * Tells until when attempts on the key must wait for the chosen waiter.
     *
     * @param target the key's ports
     * @return the {@code nanoTime} deadline, or {@code 0} if no promise is pending (or it ran
     *     out, which removes it)
     */
    public static long pendingUntil(LockPorts target) {
        if (PENDING.isEmpty()) {
            return 0; // the uncontended path: no hashing
        }
        List<InetSocketAddress> k = target.socketAddresses();
        Long until = PENDING.get(k);
        if (until == null) {
            return 0;
        }
        if (System.nanoTime() - until >= 0) {
            PENDING.remove(k, until);
            return 0;
        }
        return until == 0 ? 1 : until;
    }

    /**
     * Tells whether an attempt on the key must wait for a chosen waiter now.
     *
     * @param target the key's ports
     * @return {@code true} while a promise is pending
     */
    public static boolean isPending(LockPorts target) {
        return pendingUntil(target) != 0;
    }

    /** Promises held, ended or not, for tests. */
    static int size() {
        return PENDING.size();
    }

    /**
     * Ends the key's promise: a holder was seen listening on it, or the chosen waiter took it.
     *
     * @param target the key's ports
     */
    public static void kept(LockPorts target) {
        if (!PENDING.isEmpty()) {
            PENDING.remove(target.socketAddresses());
        }
    }
}
