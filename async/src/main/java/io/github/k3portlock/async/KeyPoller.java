package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The waiters of one key in one {@link AsyncPortlock}, and the single poller they share.
 *
 * <p>States of the key, as seen from this JVM through this instance:
 * <ul>
 *   <li><b>idle</b>: no live waiter and no handle out. The poller is retired (removed from the
 *       instance's map); the next {@code acquire} makes a new one and attempts at once.</li>
 *   <li><b>polling</b>: live waiters, no handle out. One timer per key makes one attempt per
 *       backoff interval on behalf of all waiters (and one at each waiter's deadline); a success is
 *       granted to the first waiter in FIFO order.</li>
 *   <li><b>held</b>: a handle from this poller is out. No attempts are made (they would fail on
 *       our own sockets); the timer only serves deadlines. The release of that handle passes the
 *       still-bound ports to the next live waiter in a new handle, or closes them if none.</li>
 * </ul>
 *
 * <p>All mutable state is guarded by {@link #lock}. Nothing outside this package runs under that
 * lock: completions (user callbacks) are collected in an {@link Outcome} and carried out after
 * unlocking, on the completion executor. Binding ports does happen under the lock; it is a few
 * non-blocking system calls.
 */
final class KeyPoller {
    private final AsyncPortlock owner;
    final LockPorts target;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private final LinkedHashSet<Waiter> queue = new LinkedHashSet<>();
    private final TreeSet<Waiter> byDeadline = new TreeSet<>(Waiter.BY_DEADLINE);
    private boolean held;
    private boolean retired;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private long timerGen;
    /** Failed attempts in this polling session, at most 64; the backoff exponent. */
    private int failures;
    private long nextPollAt;
    private boolean deadlineAttempted;
    private long lastDeadlineAttemptAt;
    private long seq;

    KeyPoller(AsyncPortlock owner, LockPorts target) {
        this.owner = owner;
        this.target = target;
    }

    /** What to do once the lock is released: complete futures, deliver a grant. */
    private static final class Outcome {
        final List<Waiter> failed = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();
        Waiter grantee;
        AsyncHandle granted;
        boolean enqueued;

        void fail(Waiter w, Throwable failure) {
            w.state = Waiter.State.DONE;
            failed.add(w);
            failures.add(failure);
        }
    }

    /**
     * Starts {@code w}: an attempt at once if the key is idle, else a place in the queue.
     *
     * @return {@code false} if this poller was retired meanwhile; the caller takes a fresh one
     */
    boolean start(Waiter w) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            if (retired) {
                return false;
            }
            long now = owner.now();
            if (held || hasLiveWaiterLocked()) {
                // Someone in this JVM holds or waits for the key: share the poller, keep FIFO.
                if (w.timed && w.deadline - now <= 0) {
                    out.fail(w, timeout(w, now));
                } else {
                    enqueueLocked(w, out);
                    scheduleLocked(now, out);
                }
            } else {
                PortHandle ph;
                try {
                    ph = Quorum.tryAcquire(target, owner.binder);
                } catch (Throwable e) {
                    ph = null;
                    out.fail(w, failure(e));
                }
                if (ph != null) {
                    grantLocked(w, ph, out);
                } else if (w.state == Waiter.State.DONE) {
                    scheduleLocked(now, out); // retires: nobody waits
                } else if (w.timed && w.deadline - now <= 0) {
                    out.fail(w, timeout(w, now));
                    scheduleLocked(now, out);
                } else {
                    failures = 1;
                    nextPollAt = now + owner.backoffNanos(failures);
                    deadlineAttempted = false;
                    enqueueLocked(w, out);
                    scheduleLocked(now, out);
                }
            }
        } finally {
            lock.unlock();
        }
        finish(out);
        return true;
    }

    /** Runs when the future of {@code w} completes, by us or by anyone else. */
    void onFutureDone(Waiter w, Object value) {
        AsyncHandle toRelease = null;
        Outcome out = new Outcome();
        lock.lock();
        try {
            switch (w.state) {
                case WAITING:
                    // Completed elsewhere (cancel, orTimeout, completeExceptionally): leave the
                    // queue so that the lock is never handed to it, and stop polling if it was the
                    // last one.
                    dropLocked(w);
                    w.state = Waiter.State.DONE;
                    if (!hasLiveWaiterLocked()) {
                        scheduleLocked(owner.now(), out);
                    }
                    break;
                case GRANTED:
                    w.state = Waiter.State.DONE;
                    if (value != w.handle) {
                        // Guard against the race with a completion elsewhere: the future did not
                        // take our handle, so nobody else can ever release it.
                        toRelease = w.handle;
                    }
                    break;
                default:
                    break;
            }
        } finally {
            lock.unlock();
        }
        finish(out);
        if (toRelease != null) {
            owner.grantsRefused.increment();
            toRelease.release();
        }
    }

    /** Called once by the first release of a handle of this poller: hand over or close. */
    void passOn(PortHandle ports) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            handOverLocked(ports, out);
        } finally {
            lock.unlock();
        }
        finish(out);
    }

    /**
     * The completion executor dropped the task delivering {@code h} to {@code w} (it was shut
     * down): take the handle back unless a release came first, fail the waiter, pass the lock on.
     */
    void undeliverable(Waiter w, AsyncHandle h, PortlockException failure) {
        if (!h.revoke()) {
            return; // the future was completed elsewhere and its hook released the handle
        }
        w.future.completeExceptionally(failure);
        Outcome next = new Outcome();
        lock.lock();
        try {
            handOverLocked(h.portHandle(), next);
        } finally {
            lock.unlock();
        }
        finish(next);
    }

    /** Fails every waiter (not the holder): the scheduler is gone. */
    void failAll(PortlockException failure) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            failAllLocked(failure, out);
            scheduleLocked(owner.now(), out);
        } finally {
            lock.unlock();
        }
        finish(out);
    }

    private void onTimer(long gen) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            if (gen != timerGen || retired) {
                return; // cancelled, but the cancellation lost the race with the run
            }
            timer = null;
            long now = owner.now();
            // The instant this run was meant for: a late scheduler does not expire the waiters
            // whose deadline this attempt serves.
            long meantFor = now - timerAt > 0 ? timerAt : now;
            if (!held && hasLiveWaiterLocked()) {
                boolean pollDue = now - nextPollAt >= 0;
                Waiter first = firstLiveTimedLocked();
                boolean deadlineDue = first != null && first.deadline - now <= 0;
                // Deadlines less than firstDelay after the previous deadline attempt share it.
                boolean deadlineAttemptDue = deadlineDue && (!deadlineAttempted
                        || first.deadline - lastDeadlineAttemptAt >= owner.firstDelayNanos);
                if (pollDue || deadlineAttemptDue) {
                    if (deadlineDue) {
                        deadlineAttempted = true;
                        lastDeadlineAttemptAt = now;
                    }
                    attemptLocked(meantFor, now, out);
                }
            }
            expireLocked(now, out);
            scheduleLocked(now, out);
        } finally {
            lock.unlock();
        }
        finish(out);
    }

    /**
     * One bind attempt on behalf of the waiters; a success goes to the first live waiter whose
     * deadline is not before {@code expiredBefore}.
     */
    private void attemptLocked(long expiredBefore, long now, Outcome out) {
        PortHandle ph;
        try {
            ph = Quorum.tryAcquire(target, owner.binder);
        } catch (Throwable e) {
            // A permanent failure (address not local, out of file descriptors): it would fail the
            // same way for every waiter, so fail them all now rather than at their deadlines.
            failAllLocked(failure(e), out);
            return;
        }
        if (ph == null) {
            failures = Math.min(failures + 1, 64); // the exponent saturates: no overflow
            nextPollAt = now + owner.backoffNanos(failures);
            return;
        }
        Waiter w = takeNextLocked(expiredBefore, now, out);
        if (w == null) {
            // Guard against the race with a completion elsewhere during the bind: every waiter's
            // future was completed meanwhile (its hook waits for this lock). Bound for nobody.
            ph.release();
            return;
        }
        grantLocked(w, ph, out);
    }

    private void handOverLocked(PortHandle ports, Outcome out) {
        long now = owner.now();
        // A late timer has not failed waiters past their deadline yet: they must not get it.
        Waiter w = takeNextLocked(now, now, out);
        if (w == null) {
            held = false;
            ports.release();
        } else {
            grantLocked(w, ports, out);
        }
        scheduleLocked(now, out);
    }

    private void grantLocked(Waiter w, PortHandle ports, Outcome out) {
        AsyncHandle h = new AsyncHandle(this, ports);
        w.state = Waiter.State.GRANTED;
        w.handle = h;
        held = true;
        out.grantee = w;
        out.granted = h;
    }

    /**
     * Removes and returns the first waiter whose future is not done and whose deadline is not
     * before {@code expiredBefore}, or {@code null}. Waiters passed over on the way leave the
     * queue; those that expired (their timer ran late, or not yet) fail with a timeout: the lock
     * is never handed to a waiter after its deadline.
     */
    private Waiter takeNextLocked(long expiredBefore, long now, Outcome out) {
        Iterator<Waiter> it = queue.iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            it.remove();
            if (w.timed) {
                byDeadline.remove(w);
            }
            owner.pendingRemoved();
            if (w.future.isDone()) {
                w.state = Waiter.State.DONE; // its hook has not run yet; it will find nothing to do
            } else if (w.timed && w.deadline - expiredBefore < 0) {
                out.fail(w, timeout(w, now));
            } else {
                return w;
            }
        }
        return null;
    }

    /** Drops done waiters from the head of the queue; tells whether a live one remains. */
    private boolean hasLiveWaiterLocked() {
        Iterator<Waiter> it = queue.iterator();
        while (it.hasNext()) {
            Waiter w = it.next();
            if (!w.future.isDone()) {
                return true;
            }
            it.remove();
            if (w.timed) {
                byDeadline.remove(w);
            }
            owner.pendingRemoved();
            w.state = Waiter.State.DONE;
        }
        return false;
    }

    /** Drops done waiters from the head of the deadline order; returns the first live one. */
    private Waiter firstLiveTimedLocked() {
        while (!byDeadline.isEmpty()) {
            Waiter w = byDeadline.first();
            if (!w.future.isDone()) {
                return w;
            }
            dropLocked(w);
            w.state = Waiter.State.DONE;
        }
        return null;
    }

    private void expireLocked(long now, Outcome out) {
        while (!byDeadline.isEmpty()) {
            Waiter w = byDeadline.first();
            if (w.deadline - now > 0) {
                return;
            }
            dropLocked(w);
            if (w.future.isDone()) {
                w.state = Waiter.State.DONE;
            } else {
                out.fail(w, timeout(w, now));
            }
        }
    }

    private void failAllLocked(PortlockException failure, Outcome out) {
        for (Waiter w : queue) {
            owner.pendingRemoved();
            if (w.future.isDone()) {
                w.state = Waiter.State.DONE;
            } else {
                out.fail(w, failure);
            }
        }
        queue.clear();
        byDeadline.clear();
        cancelTimerLocked();
    }

    private void enqueueLocked(Waiter w, Outcome out) {
        w.seq = ++seq;
        w.state = Waiter.State.WAITING;
        queue.add(w);
        if (w.timed) {
            byDeadline.add(w);
        }
        owner.pendingAdded();
        out.enqueued = true;
    }

    private void dropLocked(Waiter w) {
        if (queue.remove(w)) {
            if (w.timed) {
                byDeadline.remove(w);
            }
            owner.pendingRemoved();
        }
    }

    /**
     * Sets the single timer of this key to the next instant something is due: the next poll (when
     * not held) or the earliest deadline. Guarded by the lock together with the done-checks, so
     * that nothing is scheduled for a key whose waiters are all done. Retires the poller when
     * nothing is left to do.
     */
    private void scheduleLocked(long now, Outcome out) {
        if (!hasLiveWaiterLocked()) {
            cancelTimerLocked();
            if (!held) {
                retireLocked();
            }
            return;
        }
        Waiter first = firstLiveTimedLocked();
        boolean due = false;
        long at = 0;
        if (!held) {
            at = nextPollAt;
            due = true;
        }
        if (first != null && (!due || first.deadline - at < 0)) {
            at = first.deadline;
            due = true;
        }
        if (!due) {
            cancelTimerLocked(); // held, nobody has a deadline: the release hands over
            return;
        }
        if (timer != null && timerAt - at <= 0) {
            return; // an earlier wake-up is set; it reschedules when it runs
        }
        cancelTimerLocked();
        long gen = timerGen;
        try {
            timer = owner.scheduler.schedule(() -> onTimer(gen), Math.max(0, at - now),
                    TimeUnit.NANOSECONDS);
            timerAt = at;
        } catch (RuntimeException rejected) {
            // The scheduler is shut down (or refuses work): nobody would ever retry.
            timer = null;
            failAllLocked(owner.schedulerRejected(target, rejected), out);
            if (!held) {
                retireLocked();
            }
        }
    }

    private void cancelTimerLocked() {
        timerGen++; // a run that already started sees the new generation and does nothing
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void retireLocked() {
        if (!retired) {
            retired = true;
            cancelTimerLocked();
            owner.retire(this);
        }
    }

    /**
     * Carries out an outcome after unlocking: completes failed futures and delivers a grant. A
     * grant is delivered by completing the future on the completion executor; if the executor
     * refuses the task, the handle is taken back (unless a release beat us to it), the waiter
     * fails, and the ports go to the next waiter, in a loop rather than recursively.
     */
    private void finish(Outcome out) {
        if (out.enqueued) {
            owner.armWatchdog();
        }
        for (int i = 0; i < out.failed.size(); i++) {
            owner.completer.fail(out.failed.get(i), out.failures.get(i));
        }
        Waiter w = out.grantee;
        AsyncHandle h = out.granted;
        while (w != null) {
            Waiter to = w;
            AsyncHandle handle = h;
            owner.trackDelivery(to, handle);
            RuntimeException refused = owner.completer.dispatch(() -> {
                if (!owner.claimDelivery(to, handle)) {
                    return; // too late: the watchdog took the handle back (executor shut down)
                }
                // Guard against the race with a completion elsewhere (cancel, orTimeout): a handle
                // the future did not take is released at once (and passed on).
                if (!to.future.complete(handle)) {
                    handle.release();
                }
            });
            if (refused == null) {
                owner.armWatchdog();
                return;
            }
            if (!owner.claimDelivery(to, handle)) {
                return; // the watchdog took it back meanwhile
            }
            if (!h.revoke()) {
                return; // the future was completed elsewhere and its hook released the handle
            }
            w.future.completeExceptionally(owner.completionRejected(target, refused));
            Outcome next = new Outcome();
            lock.lock();
            try {
                handOverLocked(h.portHandle(), next);
            } finally {
                lock.unlock();
            }
            for (int i = 0; i < next.failed.size(); i++) {
                owner.completer.fail(next.failed.get(i), next.failures.get(i));
            }
            w = next.grantee;
            h = next.granted;
        }
    }

    private PortlockTimeoutException timeout(Waiter w, long now) {
        return new PortlockTimeoutException(target.key(), target.toString(),
                Duration.ofNanos(now - w.start));
    }

    private PortlockException failure(Throwable e) {
        if (e instanceof PortlockException) {
            return (PortlockException) e;
        }
        if (Descriptors.isOutOfDescriptors(e)) {
            return Descriptors.outOfDescriptors(target, -1, e); // e.g. an initialiser's error
        }
        return new PortlockException(target.key(), -1, "unexpected failure while binding lock '"
                + target.key() + "' (" + target + "): " + e, e);
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "KeyPoller{" + target + ", waiters=" + queue.size() + (held ? ", held" : "")
                    + (retired ? ", retired" : "") + "}";
        } finally {
            lock.unlock();
        }
    }
}
