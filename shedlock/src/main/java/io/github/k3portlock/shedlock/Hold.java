package io.github.k3portlock.shedlock;

import io.github.k3portlock.LockHandle;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One acquired lock and the time at which it is released whatever its users do: the end of
 * {@code lockAtMostFor} while held, the end of {@code lockAtLeastFor} once unlocked early. Shared
 * by a ShedLock lock and the locks that extend it (they all hold the same handle).
 *
 * <p>This class is thread-safe: its users and the timer meet under its monitor. A release
 * scheduled earlier than the last change of the release time is harmless: each scheduling has a
 * generation, and a timer task of an older generation does nothing.
 */
final class Hold {
    /** The phases of a hold. */
    enum Phase {
        /** Held for a ShedLock lock; released at {@code lockAtMostFor} at the latest. */
        HELD,
        /** Unlocked before {@code lockAtLeastFor} ended: still held until then. */
        LINGERING,
        /** The handle is released; final. */
        RELEASED
    }

    private final LockHandle handle;
    /**
     * Guarded by this. Allowed transitions: HELD -> LINGERING (unlock before lockAtLeastFor
     * ended), HELD -> RELEASED (unlock after it, lockAtMostFor reached, extension of an expired
     * lock), LINGERING -> RELEASED (lockAtLeastFor reached). Changed only by {@link #moveTo}.
     */
    private Phase phase = Phase.HELD;
    /** Guarded by this: {@code System.nanoTime()} at which the timer releases the handle. */
    private long releaseAt;
    /** Guarded by this: the pending release; its generation is {@link #generation}. */
    private ScheduledFuture<?> pending;
    /** Guarded by this: incremented by every scheduling; a stale timer task does nothing. */
    private long generation;

    Hold(LockHandle handle, long lockAtMostForNanos) {
        this.handle = handle;
        synchronized (this) {
            releaseIn(lockAtMostForNanos);
        }
    }

    /** The key of the lock. */
    String key() {
        return handle.key();
    }

    /**
     * Moves the release time to {@code lockAtMostForNanos} from now, if the lock is still held
     * and its current {@code lockAtMostFor} has not passed; otherwise releases it.
     *
     * @return whether the lock is held until the new time
     */
    synchronized boolean extend(long lockAtMostForNanos) {
        if (phase != Phase.HELD || System.nanoTime() - releaseAt >= 0 || !handle.isValid()) {
            release();
            return false;
        }
        releaseIn(lockAtMostForNanos);
        return true;
    }

    /**
     * Ends the hold for its ShedLock user: releases the lock now, or after
     * {@code lockAtLeastForNanos} (but no later than the current release time) if that is
     * positive. Does nothing when the lock was already released (it expired).
     */
    synchronized void unlock(long lockAtLeastForNanos) {
        if (phase != Phase.HELD) {
            return;
        }
        long now = System.nanoTime();
        if (lockAtLeastForNanos <= 0 || releaseAt - now <= 0) {
            release();
            return;
        }
        moveTo(Phase.LINGERING);
        releaseIn(Math.min(lockAtLeastForNanos, releaseAt - now));
    }

    /** For tests: the phase. */
    synchronized Phase phase() {
        return phase;
    }

    private void releaseIn(long nanos) {
        if (pending != null) {
            pending.cancel(false);
        }
        long delay = Math.max(0, nanos);
        releaseAt = System.nanoTime() + delay;
        long mine = ++generation;
        pending = Timer.INSTANCE.schedule(() -> fire(mine), delay, TimeUnit.NANOSECONDS);
    }

    private synchronized void fire(long scheduled) {
        if (scheduled == generation && phase != Phase.RELEASED) {
            release();
        }
    }

    private void release() {
        if (phase == Phase.RELEASED) {
            return;
        }
        moveTo(Phase.RELEASED);
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
        handle.release();
    }

    private void moveTo(Phase next) {
        boolean allowed = switch (phase) {
            case HELD -> next == Phase.LINGERING || next == Phase.RELEASED;
            case LINGERING -> next == Phase.RELEASED;
            case RELEASED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("hold of '" + handle.key() + "': " + phase + " -> "
                    + next);
        }
        phase = next;
    }

    /** The one timer thread of this module, created with the first lock. */
    private static final class Timer {
        static final ScheduledExecutorService INSTANCE = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, "k3portlock-shedlock-timer");
                thread.setDaemon(true);
                return thread;
            });
            // Cancelled releases (every unlock and extension cancels one) must not pile up.
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }
}
