package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * One acquisition in progress: the caller's future, when it started and when it gives up.
 * Mutable fields are guarded by the lock of the {@link KeyPoller} it waits in.
 */
final class Waiter {
    /** Orders waiters by deadline, then by arrival; deadlines compare overflow-safely. */
    static final Comparator<Waiter> BY_DEADLINE = (a, b) -> {
        int c = Long.signum(a.deadline - b.deadline);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    enum State {
        /** Created, not yet in a queue. */
        NEW,
        /** In its poller's queue. */
        WAITING,
        /** Given a handle, which is being (or has been) delivered to the future. */
        GRANTED,
        /** Out of the queue for good: abandoned, expired, failed, or delivered. */
        DONE
    }

    final CompletableFuture<LockHandle> future;
    final long start;
    final boolean timed;
    final long deadline;
    long seq;
    State state = State.NEW;
    AsyncHandle handle;

    Waiter(CompletableFuture<LockHandle> future, long start, boolean timed, long deadline) {
        this.future = future;
        this.start = start;
        this.timed = timed;
        this.deadline = deadline;
    }
}
