package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The waiters of one key in one {@link AsyncPortlock}, and the single poller they share.
 *
 * <p>All mutable state is guarded by {@link #lock}. Nothing outside this package runs under that
 * lock: completions (user callbacks) are collected in an {@link Outcome} and carried out after
 * unlocking, on the completion executor. Binding ports does happen under the lock; it is a few
 * non-blocking system calls.
 */
final class KeyPoller {
    /** The phases of a poller; see {@link #phase} for the transitions. */
    enum Phase {
        IDLE, POLLING, HELD, RETIRED;

        boolean canMoveTo(Phase next) {
            return switch (this) {
                case IDLE -> next != IDLE;
                case POLLING -> next == POLLING || next == HELD || next == RETIRED;
                case HELD -> next == HELD || next == IDLE;
                case RETIRED -> false;
            };
        }
    }

    private final AsyncPortlock owner;
    final LockPorts target;
    private final ReentrantLock lock = new ReentrantLock();

    // Guarded by lock.
    private final AcquisitionQueue queue;
    /**
     * The key as seen from this JVM through this instance. Possible transitions:
     * <pre>
     *              attempt fails, waiter queued
     *      +---------------------------------------------------+
     *      |                                                    v
     *    IDLE ---attempt succeeds---&gt; HELD &lt;---attempt succeeds--- POLLING ---+
     *    |  ^                         |  |                          |    ^    | attempt fails
     *    |  +--release, nobody waits--+  +--release hands over--+   |    +----+ (backoff)
     *    |                               ^  to the next waiter  |   |
     *    |                               +----------------------+   |
     *    | nothing to do                       no live waiter left, |
     *    |                                     or scheduler refused |
     *    +------------------------------&gt; RETIRED &lt;-----------------+
     * </pre>
     * <ul>
     *   <li><b>IDLE</b>: no handle out, no attempt pending. A new poller starts here and makes an
     *       attempt at once for its first waiter. A release that finds nobody waiting passes
     *       through IDLE and retires the poller under the same lock.</li>
     *   <li><b>POLLING</b>: waiters, no handle out. One timer per key makes one attempt per
     *       backoff interval on behalf of all waiters (and one at each waiter's deadline); a
     *       success is granted to the first waiter in FIFO order.</li>
     *   <li><b>HELD</b>: a handle from this poller is out. No attempts are made (they would fail
     *       on our own sockets); the timer only serves deadlines. The release of that handle
     *       passes the still-bound ports to the next live waiter in a new handle, or closes them
     *       if none.</li>
     *   <li><b>RETIRED</b>: final; removed from the instance's map, so the next {@code acquire}
     *       makes a new poller.</li>
     * </ul>
     * Guarded by the lock; changed only by {@link #moveTo}, which rejects any other transition.
     */
    private Phase phase = Phase.IDLE;
    /** When the handle out (HELD) was granted, for timeout messages. */
    private Instant heldSince;
    private ScheduledFuture<?> timer;
    private long timerAt;
    private long timerGen;
    /** Failed attempts in this polling session, at most 64; the backoff exponent. */
    private int failures;
    private long nextPollAt;
    private boolean deadlineAttempted;
    private long lastDeadlineAttemptAt;
    /** The line to the holder while polling; guarded by the lock like the rest. */
    private final KeyWakeLine waker;

    KeyPoller(AsyncPortlock owner, LockPorts target) {
        this.owner = owner;
        this.target = target;
        this.queue = new AcquisitionQueue(owner.pending());
        this.waker = new KeyWakeLine(this, target, owner.backoff.sleepNanos());
    }

    private void moveTo(Phase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("illegal poller transition " + phase + " -> " + next
                    + " for lock '" + target.key() + "'");
        }
        phase = next;
    }

    /** What to do once the lock is released: complete futures, deliver a grant. */
    private static final class Outcome {
        final List<Acquisition> failed = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();
        Acquisition grantee;
        AsyncHandle granted;
        boolean enqueued;
        /** The grant went to a future nobody has seen yet: complete it on this thread. */
        boolean direct;
        final KeyWakeLine.Io io = new KeyWakeLine.Io();

        void fail(Acquisition w, Throwable failure) {
            w.done();
            failed.add(w);
            failures.add(failure);
        }
    }

    /**
     * Starts {@code w}: an attempt at once if the key is idle, else a place in the queue.
     *
     * @return {@code false} if this poller was retired meanwhile; the caller takes a fresh one
     */
    boolean start(Acquisition w) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            if (phase == Phase.RETIRED) {
                return false;
            }
            long now = owner.now();
            if (phase == Phase.HELD || queue.hasLive()) {
                // Someone in this JVM holds or waits for the key: share the poller, keep FIFO.
                if (w.timed && w.deadline - now <= 0) {
                    out.fail(w, timeout(w, now));
                } else {
                    queue.add(w);
                    out.enqueued = true;
                    scheduleLocked(now, out);
                }
            } else {
                PortHandle ph;
                try {
                    ph = Quorum.tryAcquire(target, owner.tuning.binder());
                } catch (Throwable e) {
                    ph = null;
                    out.fail(w, Failures.unexpected(target, e));
                }
                if (ph != null) {
                    grantLocked(w, ph, out);
                    // The uncontended fast path: the future has not been returned yet, so no
                    // dependent stage can run on this thread when it is completed here.
                    out.direct = w.future.getNumberOfDependents() == 0;
                } else if (w.state() == Acquisition.State.DONE) {
                    scheduleLocked(now, out); // retires: nobody waits
                } else if (w.timed && w.deadline - now <= 0) {
                    out.fail(w, timeout(w, now));
                    scheduleLocked(now, out);
                } else {
                    moveTo(Phase.POLLING);
                    failures = 1;
                    nextPollAt = now + owner.backoffNanos(failures);
                    deadlineAttempted = false;
                    queue.add(w);
                    out.enqueued = true;
                    startWakeLocked(now, out);
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
    void onFutureDone(Acquisition w, Object value) {
        AsyncHandle toRelease = null;
        Outcome out = new Outcome();
        lock.lock();
        try {
            switch (w.state()) {
                case WAITING -> {
                    // Completed elsewhere (cancel, orTimeout, completeExceptionally): leave the
                    // queue so that the lock is never handed to it, and stop polling if it was the
                    // last one.
                    queue.remove(w);
                    w.done();
                    if (!queue.hasLive()) {
                        scheduleLocked(owner.now(), out);
                    }
                }
                case GRANTED -> {
                    w.done();
                    if (value != w.handle()) {
                        // Guard against the race with a completion elsewhere: the future did not
                        // take our handle, so nobody else can ever release it.
                        toRelease = w.handle();
                    }
                }
                default -> { }
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
    void undeliverable(Acquisition w, AsyncHandle h, PortlockException failure) {
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
            if (phase == Phase.RETIRED) {
                return; // retired while the watch iterated: nobody left to fail
            }
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
            if (gen != timerGen || phase == Phase.RETIRED) {
                return; // cancelled, but the cancellation lost the race with the run
            }
            timer = null;
            long now = owner.now();
            // The instant this run was meant for: a late scheduler does not expire the waiters
            // whose deadline this attempt serves.
            long meantFor = now - timerAt > 0 ? timerAt : now;
            if (phase == Phase.POLLING && queue.hasLive()) {
                boolean pollDue = now - nextPollAt >= 0;
                Acquisition first = queue.firstLiveTimed();
                boolean deadlineDue = first != null && first.deadline - now <= 0;
                // Deadlines less than firstDelay after the previous deadline attempt share it.
                boolean deadlineAttemptDue = deadlineDue && (!deadlineAttempted
                        || first.deadline - lastDeadlineAttemptAt
                                >= owner.backoff.firstDelayNanos());
                if (pollDue || deadlineAttemptDue) {
                    if (deadlineDue) {
                        deadlineAttempted = true;
                        lastDeadlineAttemptAt = now;
                    }
                    attemptLocked(meantFor, now, out, false);
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
    private void attemptLocked(long expiredBefore, long now, Outcome out, boolean woken) {
        PortHandle ph;
        try {
            ph = Quorum.tryAcquire(target, owner.tuning.binder());
        } catch (Throwable e) {
            // A permanent failure (address not local, out of file descriptors): it would fail the
            // same way for every waiter, so fail them all now rather than at their deadlines.
            failAllLocked(Failures.unexpected(target, e), out);
            return;
        }
        if (ph == null) {
            failures = Backoff.failedAgain(failures);
            nextPollAt = now + (waker.isConnected() ? waker.connectedPollNanos()
                    : owner.backoffNanos(failures));
            if (woken) {
                waker.futileLocked(now);
            }
            startWakeLocked(now, out);
            return;
        }
        if (woken) {
            waker.usefulLocked();
        }
        Acquisition w = takeNextLocked(expiredBefore, now, out);
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
        Acquisition w = takeNextLocked(now, now, out);
        if (w == null) {
            moveTo(Phase.IDLE);
            heldSince = null;
            waker.stopLocked(out.io);
            ports.release();
        } else {
            grantLocked(w, ports, out);
        }
        scheduleLocked(now, out);
    }

    private void grantLocked(Acquisition w, PortHandle ports, Outcome out) {
        AsyncHandle h = new AsyncHandle(this, ports);
        waker.stopLocked(out.io); // we hold the ports: no line to anyone
        w.granted(h);
        moveTo(Phase.HELD);
        heldSince = Instant.now();
        out.grantee = w;
        out.granted = h;
    }

    /**
     * Removes and returns the first waiter whose future is not done and whose deadline is not
     * before {@code expiredBefore}, or {@code null}. Waiters passed over on the way leave the
     * queue; those that expired (their timer ran late, or not yet) fail with a timeout: the lock
     * is never handed to a waiter after its deadline.
     */
    private Acquisition takeNextLocked(long expiredBefore, long now, Outcome out) {
        Acquisition w;
        while ((w = queue.pollFirst()) != null) {
            if (w.future.isDone()) {
                w.done(); // its hook has not run yet; it will find nothing to do
            } else if (w.timed && w.deadline - expiredBefore < 0) {
                out.fail(w, timeout(w, now));
            } else {
                return w;
            }
        }
        return null;
    }

    private void expireLocked(long now, Outcome out) {
        Acquisition w;
        while ((w = queue.pollExpired(now)) != null) {
            if (w.future.isDone()) {
                w.done();
            } else {
                out.fail(w, timeout(w, now));
            }
        }
    }

    private void failAllLocked(PortlockException failure, Outcome out) {
        for (Acquisition w : queue.clear()) {
            if (w.future.isDone()) {
                w.done();
            } else {
                out.fail(w, failure);
            }
        }
        cancelTimerLocked();
        waker.stopLocked(out.io);
    }

    /**
     * Sets the single timer of this key to the next instant something is due: the next poll (when
     * not held) or the earliest deadline. Guarded by the lock together with the done-checks, so
     * that nothing is scheduled for a key whose waiters are all done. Retires the poller when
     * nothing is left to do.
     */
    private void scheduleLocked(long now, Outcome out) {
        if (!queue.hasLive()) {
            cancelTimerLocked();
            if (phase != Phase.HELD) {
                retireLocked(out);
            }
            return;
        }
        Acquisition first = queue.firstLiveTimed();
        long at;
        if (phase != Phase.HELD) {
            at = first == null ? nextPollAt : Backoff.nextAttemptAt(nextPollAt, first.deadline);
        } else if (first != null) {
            at = first.deadline; // held: only deadlines are due
        } else {
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
            failAllLocked(Failures.schedulerRejected(target, owner.scheduler, rejected), out);
            if (phase != Phase.HELD) {
                retireLocked(out);
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

    private void retireLocked(Outcome out) {
        if (phase != Phase.RETIRED) {
            moveTo(Phase.RETIRED);
            cancelTimerLocked();
            waker.stopLocked(out.io);
            owner.retire(this);
        }
    }

    /** After a failed attempt while waiters poll: a line to the holder, if one can be had. */
    private void startWakeLocked(long now, Outcome out) {
        if (!owner.tuning.wake()) {
            return;
        }
        try {
            waker.startLocked(now, out.io);
        } catch (PortlockException outOfDescriptors) {
            // Every attempt would fail the same way: fail the waiters now, as a bind would.
            failAllLocked(outOfDescriptors, out);
        }
    }

    /** The connect of line {@code gen} completed (on the wake thread). */
    void wakeConnected(long gen) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            long now = owner.now();
            waker.connectedLocked(gen, now, out.io);
            if (waker.isConnected()) {
                // The reset tells of the release: polling is only the safety net now.
                long safety = now + waker.connectedPollNanos();
                if (nextPollAt - safety < 0) {
                    nextPollAt = safety;
                }
            }
        } finally {
            lock.unlock();
        }
        finish(out);
    }

    /** The connect of line {@code gen} failed (on the wake thread). */
    void wakeConnectFailed(long gen) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            waker.connectFailedLocked(gen, owner.now(), out.io);
        } catch (PortlockException outOfDescriptors) {
            failAllLocked(outOfDescriptors, out);
            scheduleLocked(owner.now(), out);
        } finally {
            lock.unlock();
        }
        finish(out);
    }

    /**
     * The read of line {@code gen} ended (on the wake thread): a reset is the holder's release,
     * so attempt at once on behalf of the waiters.
     */
    void wakeEnded(long gen, boolean reset) {
        Outcome out = new Outcome();
        lock.lock();
        try {
            if (waker.endedLocked(gen, reset, out.io) && phase == Phase.POLLING
                    && queue.hasLive()) {
                long now = owner.now();
                attemptLocked(now, now, out, true);
                expireLocked(now, out);
                scheduleLocked(now, out);
            }
        } finally {
            lock.unlock();
        }
        finish(out);
    }

    /** Lines opened by this poller, for tests. */
    long wakeLinesOpened() {
        lock.lock();
        try {
            return waker.opened();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Carries out an outcome after unlocking: completes failed futures and delivers a grant. A
     * grant is delivered by completing the future on the completion executor; if the executor
     * refuses the task, the handle is taken back (unless a release beat us to it), the waiter
     * fails, and the ports go to the next waiter, in a loop rather than recursively.
     */
    private void finish(Outcome out) {
        out.io.run(target);
        if (out.direct) {
            // Nobody has the future yet: complete it here, on the caller's thread (no dependent
            // stage exists, so no user code runs), without a trip through the executor.
            if (!out.grantee.future.complete(out.granted)) {
                out.granted.release();
            }
            return;
        }
        if (out.enqueued) {
            owner.watch.arm();
        }
        for (int i = 0; i < out.failed.size(); i++) {
            owner.completer.fail(out.failed.get(i), out.failures.get(i));
        }
        Acquisition w = out.grantee;
        AsyncHandle h = out.granted;
        while (w != null) {
            Acquisition to = w;
            AsyncHandle handle = h;
            owner.watch.track(to, handle);
            RuntimeException refused = owner.completer.dispatch(() -> {
                if (!owner.watch.claim(to, handle)) {
                    return; // too late: the shutdown watch took the handle back
                }
                // Guard against the race with a completion elsewhere (cancel, orTimeout): a handle
                // the future did not take is released at once (and passed on).
                if (!to.future.complete(handle)) {
                    handle.release();
                }
            });
            if (refused == null) {
                owner.watch.arm();
                return;
            }
            if (!owner.watch.claim(to, handle)) {
                return; // the shutdown watch took it back meanwhile
            }
            if (!h.revoke()) {
                return; // the future was completed elsewhere and its hook released the handle
            }
            w.future.completeExceptionally(
                    Failures.completionRejected(target, owner.completer, refused));
            Outcome next = new Outcome();
            lock.lock();
            try {
                handOverLocked(h.portHandle(), next);
            } finally {
                lock.unlock();
            }
            next.io.run(target); // closes queued under the lock run after it, as in finish
            for (int i = 0; i < next.failed.size(); i++) {
                owner.completer.fail(next.failed.get(i), next.failures.get(i));
            }
            w = next.grantee;
            h = next.granted;
        }
    }

    /** A timeout for {@code w}; it names our own handle if one holds the key. */
    private PortlockTimeoutException timeout(Acquisition w, long now) {
        return Failures.timeout(target, Duration.ofNanos(now - w.start),
                phase == Phase.HELD ? heldSince : null);
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "KeyPoller{" + target + ", waiters=" + queue.size() + ", " + phase + "}";
        } finally {
            lock.unlock();
        }
    }
}
