package io.github.k3portlock.async;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The single timer of one {@link KeyPoller} and the polling schedule it serves: when the next
 * poll is due, how many attempts failed in a row (the backoff exponent), and the attempts made at
 * waiters' deadlines. Not thread-safe: guarded by the poller's lock, like the rest of its state.
 *
 * <p>A generation counter makes a cancel that loses the race to a running timer harmless: each
 * run carries the generation it was scheduled in, and {@link #claimRun} turns away a run whose
 * generation has passed.
 */
final class PollTimer {
    private final ScheduledExecutorService scheduler;
    /** The poller's timer callback, given the generation the run was scheduled in. */
    private final LongConsumer onRun;

    private ScheduledFuture<?> timer;
    /** The instant {@link #timer} was set for; meaningful while it is not null. */
    private long timerAt;
    /** Bumped by every cancel: a run of an older generation does nothing. */
    private long gen;
    /** Failed attempts in this polling session, at most {@link Backoff#MAX_FAILURES}. */
    private int failures;
    private long nextPollAt;
    private boolean deadlineAttempted;
    private long lastDeadlineAttemptAt;

    PollTimer(ScheduledExecutorService scheduler, LongConsumer onRun) {
        this.scheduler = scheduler;
        this.onRun = onRun;
    }

    /**
     * Claims run {@code g}: {@code false} if it was cancelled (the cancellation lost the race with
     * the run); otherwise the timer is spent and the caller reschedules.
     */
    boolean claimRun(long g) {
        if (g != gen) {
            return false;
        }
        timer = null;
        return true;
    }

    /**
     * The instant the claimed run was meant for: a late scheduler does not expire the waiters
     * whose deadline this attempt serves.
     */
    long meantFor(long now) {
        return now - timerAt > 0 ? timerAt : now;
    }

    /** A new polling session: one failed attempt so far, the next poll after {@code delay}. */
    void startPolling(long now, long delay) {
        failures = 1;
        nextPollAt = now + delay;
        deadlineAttempted = false;
    }

    /** An attempt failed again. @return the failures in a row, the backoff exponent */
    int failedAgain() {
        failures = Backoff.failedAgain(failures);
        return failures;
    }

    long nextPollAt() {
        return nextPollAt;
    }

    void pollAt(long at) {
        nextPollAt = at;
    }

    /** Delays the next poll to {@code at} if it is due earlier (a wake line is up). */
    void pollNoEarlierThan(long at) {
        if (nextPollAt - at < 0) {
            nextPollAt = at;
        }
    }

    /**
     * Tells whether an attempt is due now: the next poll is, or {@code first}'s deadline calls
     * for one. Deadlines less than {@code shareNanos} after the previous deadline attempt share
     * it, so that a burst of waiters does not cause a burst of attempts. An attempt made while a
     * deadline is due is recorded as that deadline's attempt.
     *
     * @param first the live waiter with the earliest deadline, or {@code null}
     */
    boolean attemptDue(Acquisition first, long now, long shareNanos) {
        boolean pollDue = now - nextPollAt >= 0;
        boolean deadlineDue = first != null && first.deadline - now <= 0;
        boolean deadlineAttemptDue = deadlineDue && (!deadlineAttempted
                || first.deadline - lastDeadlineAttemptAt >= shareNanos);
        if (!pollDue && !deadlineAttemptDue) {
            return false;
        }
        if (deadlineDue) {
            deadlineAttempted = true;
            lastDeadlineAttemptAt = now;
        }
        return true;
    }

    /**
     * Sets the timer to the next instant something is due: the next poll or {@code first}'s
     * deadline, whichever comes first; only the deadline while {@code held} (attempts would fail
     * on our own sockets). Cancels it if nothing is due.
     *
     * @param first the live timed waiter with the earliest deadline, or {@code null}
     * @return {@code null}, or the scheduler's refusal (it is shut down): nobody would retry
     */
    RuntimeException schedule(Acquisition first, boolean held, long now) {
        if (held && first == null) {
            cancel(); // held, nobody has a deadline: the release hands over
            return null;
        }
        long at = held ? first.deadline
                : first == null ? nextPollAt : Backoff.nextAttemptAt(nextPollAt, first.deadline);
        return setAt(at, now);
    }

    /**
     * Sets the timer to {@code at} unless it is set for that instant or earlier already (that run
     * reschedules).
     *
     * @return {@code null}, or the scheduler's refusal (it is shut down): nobody would retry
     */
    private RuntimeException setAt(long at, long now) {
        if (timer != null && timerAt - at <= 0) {
            return null;
        }
        cancel();
        long g = gen;
        try {
            timer = scheduler.schedule(() -> onRun.accept(g), Math.max(0, at - now),
                    TimeUnit.NANOSECONDS);
            timerAt = at;
            return null;
        } catch (RuntimeException rejected) {
            timer = null;
            return rejected;
        }
    }

    /** Cancels the timer; a run that already started sees the new generation and does nothing. */
    void cancel() {
        gen++;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
