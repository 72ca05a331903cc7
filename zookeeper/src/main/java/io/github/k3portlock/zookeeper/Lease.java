package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One acquisition of a semaphore's permit, driven by {@link SemaphoreRecipe}: its place in the
 * recipe, the semaphore's mutex while it holds it, and its lease node (with the session that
 * owns it). Thread-safe: state and node under this object's monitor (held only for field
 * updates, never while blocking).
 */
final class Lease {
    /** Where a lease is; see {@link #state} for the transitions. */
    enum State {
        /** Waiting for the semaphore's mutex (again, after its lease node vanished). */
        LOCKING,
        /** Holding the mutex; its lease node is being created. */
        CREATING,
        /** Its lease node exists; it counts the leases until at most the permits exist. */
        COUNTING,
        /** Handed a handle, which now owns the lease node. Final. */
        GRANTED,
        /** Ended without a permit: abandoned, timed out, failed or its session lost. Final. */
        DONE
    }

    final String key;
    /** The semaphore's path ({@code locks} and {@code leases} below it). */
    final String path;
    final String leases;
    final int permits;
    final CompletableFuture<LockHandle> future;
    final boolean tryOnce;
    final long startNanos;
    /** The acquisition of the semaphore's mutex; set at the start of each attempt. */
    volatile CompletableFuture<LockHandle> mutexFuture;
    /**
     * Possible transitions, only through {@link #moveTo(State)}:
     * <pre>
     *   LOCKING --mutex held--&gt; CREATING --created--&gt; COUNTING --counted in--&gt; GRANTED
     *      |  ^                   |                     |  |
     *      |  +-------------------|---------------------+  |  (its node vanished: retry)
     *      +---------------------&gt; DONE &lt;------------------+  (abandoned, timed out, failed)
     * </pre>
     * GRANTED and DONE are final.
     */
    private State state = State.LOCKING;
    private LockHandle mutex;
    private String node;
    private long token;
    private long session;
    private int retries;
    private volatile ScheduledFuture<?> timeout;

    Lease(String key, String path, int permits, CompletableFuture<LockHandle> future,
            boolean tryOnce, long startNanos) {
        this.key = key;
        this.path = path;
        this.leases = path + "/leases";
        this.permits = permits;
        this.future = future;
        this.tryOnce = tryOnce;
        this.startNanos = startNanos;
    }

    synchronized State state() {
        return state;
    }

    /**
     * Moves to {@code to}. Returns the state it left, or {@code null} if the lease had already
     * ended (GRANTED or DONE), which a race with another ending makes normal.
     *
     * @throws IllegalStateException for a transition the diagram does not have
     */
    synchronized State moveTo(State to) {
        State from = state;
        if (from == State.GRANTED || from == State.DONE) {
            return null;
        }
        boolean legal = switch (to) {
            case CREATING -> from == State.LOCKING;
            case COUNTING -> from == State.CREATING;
            case GRANTED -> from == State.COUNTING;
            case DONE -> true;
            case LOCKING -> from == State.COUNTING;
        };
        if (!legal) {
            throw new IllegalStateException("illegal lease transition " + from + " -> " + to
                    + " for semaphore '" + key + "'");
        }
        state = to;
        return from;
    }

    /** Records the semaphore's mutex, held for this lease until it is counted in or ends. */
    synchronized void mutex(LockHandle h) {
        mutex = h;
    }

    /** Lets the mutex go, if this lease holds it. Idempotent. */
    void releaseMutex() {
        LockHandle h;
        synchronized (this) {
            h = mutex;
            mutex = null;
        }
        if (h != null) {
            h.release();
        }
    }

    /** Records the created lease node; {@code zxid} and {@code owner} 0 if not known yet. */
    synchronized void created(String name, long zxid, long owner) {
        node = name;
        token = zxid;
        session = owner;
    }

    /** The session that owns the lease node (its {@code ephemeralOwner}). */
    synchronized long session() {
        return session;
    }

    /** Counts a retry after the lease node vanished; returns how many came before it. */
    synchronized int nextRetry() {
        return retries++;
    }

    synchronized String node() {
        return node;
    }

    /** The zxid that created the lease node: the fencing token of a grant. */
    synchronized long token() {
        return token;
    }

    void timeout(ScheduledFuture<?> t) {
        timeout = t;
    }

    void cancelTimeout() {
        ScheduledFuture<?> t = timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "Lease{" + key + ", " + state() + ", node=" + node() + "}";
    }
}
