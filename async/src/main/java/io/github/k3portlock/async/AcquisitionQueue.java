package io.github.k3portlock.async;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The waiters of one key: a FIFO queue, the same waiters ordered by deadline, and the instance's
 * count of queued waiters, kept in step. A waiter is in the FIFO queue and counted while it waits;
 * it is also in the deadline order if it is timed. Every removal goes through {@link #unlink}.
 *
 * <p>Not thread-safe: guarded by the lock of its {@link KeyPoller}. The waiters' states are the
 * caller's, except that {@link #add} moves a waiter to {@link Acquisition.State#WAITING} and the methods
 * that skip waiters whose future is already done move those to {@link Acquisition.State#DONE}.
 */
final class AcquisitionQueue {
    private final LinkedHashSet<Acquisition> fifo = new LinkedHashSet<>();
    private final TreeSet<Acquisition> byDeadline = new TreeSet<>(Acquisition.BY_DEADLINE);
    private final AtomicInteger pending;
    private long seq;

    /** @param pending the count of queued waiters, shared with other queues of the instance */
    AcquisitionQueue(AtomicInteger pending) {
        this.pending = pending;
    }

    /** Queues a new waiter at the tail. */
    void add(Acquisition w) {
        w.seq = ++seq;
        w.enqueued();
        fifo.add(w);
        if (w.timed) {
            byDeadline.add(w);
        }
        pending.incrementAndGet();
    }

    /** Removes {@code w} if queued; tells whether it was. */
    boolean remove(Acquisition w) {
        if (!fifo.remove(w)) {
            return false;
        }
        unlink(w);
        return true;
    }

    /** Removes and returns the head of the FIFO queue, done or not; {@code null} if empty. */
    Acquisition pollFirst() {
        Iterator<Acquisition> it = fifo.iterator();
        if (!it.hasNext()) {
            return null;
        }
        Acquisition w = it.next();
        it.remove();
        unlink(w);
        return w;
    }

    /** Drops waiters whose future is done from the head of the queue; tells whether one is live. */
    boolean hasLive() {
        Iterator<Acquisition> it = fifo.iterator();
        while (it.hasNext()) {
            Acquisition w = it.next();
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
    Acquisition firstLiveTimed() {
        while (!byDeadline.isEmpty()) {
            Acquisition w = byDeadline.first();
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
    Acquisition pollExpired(long now) {
        if (byDeadline.isEmpty() || byDeadline.first().deadline - now > 0) {
            return null;
        }
        Acquisition w = byDeadline.first();
        remove(w);
        return w;
    }

    /** Removes every waiter and returns them in FIFO order. */
    List<Acquisition> clear() {
        List<Acquisition> all = new ArrayList<>(fifo);
        fifo.clear();
        byDeadline.clear();
        pending.addAndGet(-all.size());
        return all;
    }

    /**
     * Removes and returns the first waiter whose future is not done and whose deadline is not
     * before {@code expiredBefore}, or {@code null}. Waiters passed over on the way leave the
     * queue: those whose future is done move to DONE (their hook has not run yet; it will find
     * nothing to do), those past the deadline go to {@code expired}, which fails them: the lock
     * is never handed to a waiter after its deadline.
     */
    Acquisition takeNext(long expiredBefore, Consumer<Acquisition> expired) {
        Acquisition w;
        while ((w = pollFirst()) != null) {
            if (w.future.isDone()) {
                w.done();
            } else if (w.timed && w.deadline - expiredBefore < 0) {
                expired.accept(w);
            } else {
                return w;
            }
        }
        return null;
    }

    /** Removes the waiters whose deadline has come: done ones move to DONE, others to expired. */
    void expire(long now, Consumer<Acquisition> expired) {
        Acquisition w;
        while ((w = pollExpired(now)) != null) {
            if (w.future.isDone()) {
                w.done();
            } else {
                expired.accept(w);
            }
        }
    }

    /** Removes every waiter: done ones move to DONE, the others go to {@code live}. */
    void drain(Consumer<Acquisition> live) {
        for (Acquisition w : clear()) {
            if (w.future.isDone()) {
                w.done();
            } else {
                live.accept(w);
            }
        }
    }

    /** Number of queued waiters, done or not. */
    int size() {
        return fifo.size();
    }

    /** The second and third steps of every removal: the deadline order and the count. */
    private void unlink(Acquisition w) {
        if (w.timed) {
            byDeadline.remove(w);
        }
        pending.decrementAndGet();
    }
}
