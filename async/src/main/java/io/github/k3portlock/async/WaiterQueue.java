package io.github.k3portlock.async;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The waiters of one key: a FIFO queue, the same waiters ordered by deadline, and the instance's
 * count of queued waiters, kept in step. A waiter is in the FIFO queue and counted while it waits;
 * it is also in the deadline order if it is timed. Every removal goes through {@link #unlink}.
 *
 * <p>Not thread-safe: guarded by the lock of its {@link KeyPoller}. The waiters' states are the
 * caller's, except that {@link #add} moves a waiter to {@link Waiter.State#WAITING} and the methods
 * that skip waiters whose future is already done move those to {@link Waiter.State#DONE}.
 */
final class WaiterQueue {
    private final LinkedHashSet<Waiter> fifo = new LinkedHashSet<>();
    private final TreeSet<Waiter> byDeadline = new TreeSet<>(Waiter.BY_DEADLINE);
    private final AtomicInteger pending;
    private long seq;

    /** @param pending the count of queued waiters, shared with other queues of the instance */
    WaiterQueue(AtomicInteger pending) {
        this.pending = pending;
    }

    /** Queues a new waiter at the tail. */
    void add(Waiter w) {
        w.seq = ++seq;
        w.enqueued();
        fifo.add(w);
        if (w.timed) {
            byDeadline.add(w);
        }
        pending.incrementAndGet();
    }

    /** Removes {@code w} if queued; tells whether it was. */
    boolean remove(Waiter w) {
        if (!fifo.remove(w)) {
            return false;
        }
        unlink(w);
        return true;
    }

    /** Removes and returns the head of the FIFO queue, done or not; {@code null} if empty. */
    Waiter pollFirst() {
        Iterator<Waiter> it = fifo.iterator();
        if (!it.hasNext()) {
            return null;
        }
        Waiter w = it.next();
        it.remove();
        unlink(w);
        return w;
    }

    /** Drops waiters whose future is done from the head of the queue; tells whether one is live. */
    boolean hasLive() {
        Iterator<Waiter> it = fifo.iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            if (!w.future.isDone()) {
                return true;
            }
            it.remove();
            unlink(w);
            w.done();
        }
        return false;
    }

    /**
     * Drops waiters whose future is done from the head of the deadline order; returns the live
     * timed waiter with the earliest deadline, or {@code null}.
     */
    Waiter firstLiveTimed() {
        while (!byDeadline.isEmpty()) {
            Waiter w = byDeadline.first();
            if (!w.future.isDone()) {
                return w;
            }
            remove(w);
            w.done();
        }
        return null;
    }

    /**
     * Removes and returns the waiter with the earliest deadline if that deadline is not after
     * {@code now}, done or not; else {@code null}.
     */
    Waiter pollExpired(long now) {
        if (byDeadline.isEmpty() || byDeadline.first().deadline - now > 0) {
            return null;
        }
        Waiter w = byDeadline.first();
        remove(w);
        return w;
    }

    /** Removes every waiter and returns them in FIFO order. */
    List<Waiter> clear() {
        List<Waiter> all = new ArrayList<>(fifo);
        fifo.clear();
        byDeadline.clear();
        pending.addAndGet(-all.size());
        return all;
    }

    /** Number of queued waiters, done or not. */
    int size() {
        return fifo.size();
    }

    /** The second and third steps of every removal: the deadline order and the count. */
    private void unlink(Waiter w) {
        if (w.timed) {
            byDeadline.remove(w);
        }
        pending.decrementAndGet();
    }
}
