package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.WakeLine;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The waiters of one key in one {@link AsyncPortlock}, and the single poller they share.
 *
 * <p>All mutable state is guarded by {@link #lock}, including that of its {@link PollTimer}
 * (when to attempt), its {@link KeyWakeLine} (the line to the holder) and its queue. Nothing
 * outside this package runs under that lock: completions (user callbacks) are collected in
 * {@link DeferredCompletions} and carried out by {@link GrantDelivery} after unlocking, on the
 * completion executor. Binding ports does happen under the lock; it is a few non-blocking system
 * calls.
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
    /** Carries out what was decided under the lock; also the shutdown watch's way in. */
    final GrantDelivery delivery;

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
     *   <li><b>IDLE</b>: no handle out, no attempt pending. A new poller's first waiter attempts at
     *       once; a release that finds nobody waiting passes through IDLE to RETIRED.</li>
     *   <li><b>POLLING</b>: waiters, no handle out. One timer attempts once per backoff interval
     *       for all waiters (and at each deadline); a success goes to the first waiter (FIFO).</li>
     *   <li><b>HELD</b>: a handle of this poller is out. No attempts (they would fail on our own
     *       sockets); the release passes the bound ports to the next live waiter, if any.</li>
     *   <li><b>RETIRED</b>: final; out of the instance's map (the next acquire makes a new
     *       poller).</li>
     * </ul>
     * Guarded by the lock; changed only by {@link #moveTo}, which rejects any other transition.
     */
    private Phase phase = Phase.IDLE;
    /** When the handle out (HELD) was granted, for timeout messages. */
    private Instant heldSince;
    private final PollTimer timer;
    private final KeyWakeLine line;
    private final KeyHold hold; // how attempts take the key; an exclusive one's writer gate

    KeyPoller(AsyncPortlock owner, LockPorts target, KeyHold hold) {
        this.owner = owner;
        this.target = target;
        this.hold = hold;
        this.delivery = new GrantDelivery(this, owner, target);
        this.queue = new AcquisitionQueue(owner.pending);
        this.timer = new PollTimer(owner.scheduler, this::onTimer);
        this.line = new KeyWakeLine(this, target, owner.backoff.sleepNanos(),
                owner.tuning.wake() && hold.wakes());
    }

    /** Runs {@code step} under the lock, then carries out what it decided, unlocked. */
    private void locked(Consumer<DeferredCompletions> step) {
        DeferredCompletions out = new DeferredCompletions();
        lock.lock();
        try {
            step.accept(out);
        } finally {
            lock.unlock();
        }
        delivery.carryOut(out);
    }

    private void moveTo(Phase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("illegal poller transition " + phase + " -> " + next
                    + " for lock '" + target.key() + "'");
        }
        phase = next;
        hold.polling(next == Phase.POLLING); // else it holds, idles or retires: gate let go
    }

    /**
     * Starts {@code w}: an attempt at once if the key is idle, else a place in the queue.
     *
     * @return {@code false} if this poller was retired meanwhile; the caller takes a fresh one
     */
    boolean start(Acquisition w) {
        DeferredCompletions out = new DeferredCompletions();
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
                startIdleLocked(w, now, out);
            }
        } finally {
            lock.unlock();
        }
        delivery.carryOut(out);
        return true;
    }

    /** The first attempt for {@code w} on an idle key, on the caller's thread. */
    private void startIdleLocked(Acquisition w, long now, DeferredCompletions out) {
        PortHandle ph;
        try { // not while this JVM's release promised the key to a waiter: it queues instead
            ph = line.mayAttemptLocked(false) ? hold.tryAcquire() : null;
        } catch (Throwable e) {
            ph = null;
            out.fail(w, Failures.unexpected(target, e));
        }
        if (ph != null) {
            grantLocked(w, ph, out);
            // The uncontended fast path: the future has not been returned yet, so no dependent
            // stage can run on this thread when it is completed here.
            out.direct = w.future.getNumberOfDependents() == 0;
        } else if (w.state() == Acquisition.State.DONE) {
            scheduleLocked(now, out); // retires: nobody waits
        } else if (w.timed && w.deadline - now <= 0) {
            out.fail(w, timeout(w, now));
            scheduleLocked(now, out);
        } else {
            moveTo(Phase.POLLING);
            timer.startPolling(now, owner.backoffNanos(1));
            queue.add(w);
            out.enqueued = true;
            startWakeLocked(now, out);
            scheduleLocked(now, out);
        }
    }

    /** Runs when the future of {@code w} completes, by us or by anyone else. */
    void onFutureDone(Acquisition w, Object value) {
        AsyncHandle toRelease = null;
        DeferredCompletions out = new DeferredCompletions();
        lock.lock();
        try {
            switch (w.state()) {
                case WAITING -> {
                    // Completed elsewhere (cancel, orTimeout): out of the queue, never handed it.
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
        delivery.carryOut(out);
        if (toRelease != null) {
            owner.grantsRefused.increment();
            toRelease.release();
        }
    }

    /** Passes {@code ports} to the next live waiter, or closes them; returns what follows. */
    DeferredCompletions handOver(PortHandle ports) {
        DeferredCompletions out = new DeferredCompletions();
        lock.lock();
        try {
            handOverLocked(ports, out);
        } finally {
            lock.unlock();
        }
        return out;
    }

    /** Fails every waiter (not the holder): the scheduler is gone. */
    void failAll(PortlockException failure) {
        locked(out -> {
            if (phase != Phase.RETIRED) { // else retired while the watch iterated: nobody to fail
                failAllLocked(failure, out);
                scheduleLocked(owner.now(), out);
            }
        });
    }

    private void onTimer(long gen) {
        locked(out -> {
            if (phase == Phase.RETIRED || !timer.claimRun(gen)) {
                return; // cancelled, but the cancellation lost the race with the run
            }
            long now = owner.now();
            if (phase == Phase.POLLING && queue.hasLive() && timer.attemptDue(
                    queue.firstLiveTimed(), now, owner.backoff.firstDelayNanos())) {
                attemptLocked(timer.meantFor(now), now, out, null);
            }
            queue.expire(now, x -> out.fail(x, timeout(x, now)));
            scheduleLocked(now, out);
        });
    }

    /** One bind attempt for the waiters; a success goes to the first live one not expired. */
    private void attemptLocked(long expiredBefore, long now, DeferredCompletions out,
            WakeLine.Result woke) { // null: the timer's attempt
        boolean barred = !line.mayAttemptLocked(woke == WakeLine.Result.YOURS);
        PortHandle ph;
        try {
            ph = barred ? null : hold.tryAcquire();
        } catch (Throwable e) {
            // A permanent failure (address not local, out of file descriptors): it would fail the
            // same way for every waiter, so fail them all now rather than at their deadlines.
            failAllLocked(Failures.unexpected(target, e), out);
            return;
        }
        if (ph == null) {
            int failures = timer.failedAgain();
            timer.pollAt(now + line.pollNanos(barred, now, owner.backoffNanos(failures)));
            if (woke == WakeLine.Result.RESET) {
                line.wokeInVainLocked(now);
            }
            startWakeLocked(now, out);
            return;
        }
        if (woke == WakeLine.Result.RESET) {
            line.usefulLocked();
        }
        Acquisition w = queue.takeNext(expiredBefore, x -> out.fail(x, timeout(x, now)));
        if (w == null) {
            // Guard against the race with a completion elsewhere during the bind: every waiter's
            // future was completed meanwhile (its hook waits for this lock). Bound for nobody.
            ph.release();
            return;
        }
        grantLocked(w, ph, out);
    }

    private void handOverLocked(PortHandle ports, DeferredCompletions out) {
        long now = owner.now();
        // A late timer has not failed waiters past their deadline yet: they must not get it.
        Acquisition w = queue.takeNext(now, x -> out.fail(x, timeout(x, now)));
        if (w == null) {
            moveTo(Phase.IDLE);
            heldSince = null;
            line.stopLocked(out.io);
            ports.release(hold.handsOver());
        } else {
            grantLocked(w, ports, out);
        }
        scheduleLocked(now, out);
    }

    private void grantLocked(Acquisition w, PortHandle ports, DeferredCompletions out) {
        AsyncHandle h = new AsyncHandle(this, ports);
        line.stopLocked(out.io); // we hold the ports: no line to anyone
        w.granted(h);
        moveTo(Phase.HELD);
        heldSince = Instant.now();
        out.grant(w, h);
    }

    private void failAllLocked(PortlockException failure, DeferredCompletions out) {
        queue.drain(w -> out.fail(w, failure));
        timer.cancel();
        line.stopLocked(out.io);
    }

    /**
     * Sets this key's timer to the next instant something is due (under the lock, with the
     * done-checks: nothing for a key whose waiters are done); retires an idle poller.
     */
    private void scheduleLocked(long now, DeferredCompletions out) {
        if (!queue.hasLive()) {
            timer.cancel();
            if (phase != Phase.HELD) {
                retireLocked(out);
            }
            return;
        }
        RuntimeException rejected = timer.schedule(queue.firstLiveTimed(), phase == Phase.HELD,
                now);
        if (rejected != null) {
            // The scheduler is shut down (or refuses work): nobody would ever retry.
            failAllLocked(Failures.schedulerRejected(target, owner.scheduler, rejected), out);
            if (phase != Phase.HELD) {
                retireLocked(out);
            }
        }
    }

    private void retireLocked(DeferredCompletions out) {
        if (phase != Phase.RETIRED) {
            moveTo(Phase.RETIRED);
            timer.cancel();
            line.stopLocked(out.io);
            owner.retire(this);
        }
    }

    /** After a failed attempt while waiters poll: the writer gate, a line to the holder. */
    private void startWakeLocked(long now, DeferredCompletions out) {
        try {
            hold.waiting(); // an exclusive waiter's writer gate: no new reader begins
            line.startLocked(now, out.io);
        } catch (PortlockException outOfDescriptors) {
            // Every attempt would fail the same way: fail the waiters now, as a bind would.
            failAllLocked(outOfDescriptors, out);
        }
    }

    /** The connect of line {@code gen} completed or failed (on the wake thread). */
    void wakeConnectDone(long gen, boolean connected) {
        locked(out -> {
            long now = owner.now();
            try {
                line.connectDoneLocked(gen, connected, now, out.io);
            } catch (PortlockException outOfDescriptors) { // opening a line to the next port
                failAllLocked(outOfDescriptors, out);
                scheduleLocked(now, out);
                return;
            }
            if (line.isConnected()) {
                // The reset tells of the release: polling is only the safety net now.
                timer.pollNoEarlierThan(now + line.connectedPollNanos());
            }
        });
    }

    /** The read of line {@code gen} ended (wake thread): a release, attempt (WAIT: barred). */
    void wakeEnded(long gen, WakeLine.Result result, long waitMicros) {
        locked(out -> {
            long now = owner.now();
            WakeLine.Result r = line.endedLocked(gen, result, waitMicros, now, out.io);
            if (r != null && phase == Phase.POLLING && queue.hasLive()) {
                attemptLocked(now, now, out, r);
                queue.expire(now, x -> out.fail(x, timeout(x, now)));
                scheduleLocked(now, out);
            }
        });
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
