package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;

/**
 * One acquisition in progress: the caller's future, when it started and when it gives up.
 * Mutable fields are guarded by the lock of the {@link KeyPoller} it waits in.
 */
final class Acquisition {
    /** Orders waiters by deadline, then by arrival; deadlines compare overflow-safely. */
    static final Comparator<Acquisition> BY_DEADLINE = (a, b) -> {
        int c = Long.signum(a.deadline - b.deadline);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    };

    /** Where a waiter is; see {@link #state} for the transitions. */
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
    /**
     * Where a waiter is. Possible transitions, each only through the method named on the arrow
     * (which throws {@link IllegalStateException} from any other state):
     * <pre>
     *      NEW ---enqueued()---&gt; WAITING
     *       |  \                  /  |
     *       |  granted()   granted() |
     *       |     \           /      |
     *       |      v         v       |
     *       |       GRANTED          |
     *       |          |             |
     *       | done()   | done()      | done()
     *       |          v             |
     *       +-------&gt; DONE &lt;---------+
     * </pre>
     * {@code DONE} is final. A waiter is in its poller's queue exactly while {@code WAITING}.
     */
    private State state = State.NEW;
    private AsyncHandle handle;

    Acquisition(CompletableFuture<LockHandle> future, long start, boolean timed, long deadline) {
        this.future = future;
        this.start = start;
        this.timed = timed;
        this.deadline = deadline;
    }

    State state() {
        return state;
    }

    /** The handle granted to this waiter; {@code null} unless it was granted one. */
    AsyncHandle handle() {
        return handle;
    }

    /** NEW to WAITING: put in a queue. */
    void enqueued() {
        requireState(state == State.NEW, State.WAITING);
        state = State.WAITING;
    }

    /** NEW or WAITING to GRANTED: given {@code h}, on its way to the future. */
    void granted(AsyncHandle h) {
        requireState(state == State.NEW || state == State.WAITING, State.GRANTED);
        state = State.GRANTED;
        handle = h;
    }

    /** Any state but DONE to DONE: out for good. */
    void done() {
        requireState(state != State.DONE, State.DONE);
        state = State.DONE;
    }

    private void requireState(boolean legal, State to) {
        if (!legal) {
            throw new IllegalStateException("illegal waiter transition " + state + " -> " + to);
        }
    }
}
