package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * One acquisition in the lock recipe: the caller's future, its znode once created (with the
 * session that owns it), and where it stands. Mutable fields are guarded by this object's lock.
 */
final class Acquisition {
    /** Where an acquisition is; see {@link #state} for the transitions. */
    enum State {
        /** Its node is being created. */
        CREATING,
        /** Its node exists; it checks its place and watches its predecessor. */
        WAITING,
        /** Handed a handle, which now owns the node. Final. */
        GRANTED,
        /** Ended without the lock: abandoned, timed out, failed or its session lost. Final. */
        DONE
    }

    final String key;
    final String base;
    final CompletableFuture<LockHandle> future;
    final boolean tryOnce;
    final long startNanos;
    /**
     * Possible transitions, only through {@link #moveTo(State)}:
     * <pre>
     *   CREATING --created--&gt; WAITING --granted--&gt; GRANTED
     *       |                    |
     *       +------&gt; DONE &lt;-----+   (abandoned, timed out, failed, session lost)
     * </pre>
     * GRANTED and DONE are final. The recipe's waiting set holds the acquisition while it is
     * CREATING or WAITING.
     */
    private State state = State.CREATING;
    private String node;
    private long token;
    private long session;
    private volatile ScheduledFuture<?> timeout;

    Acquisition(String key, String base, CompletableFuture<LockHandle> future, boolean tryOnce,
            long startNanos) {
        this.key = key;
        this.base = base;
        this.future = future;
        this.tryOnce = tryOnce;
        this.startNanos = startNanos;
    }

    synchronized State state() {
        return state;
    }

    /**
     * Moves to {@code to}. Returns the state it left, or {@code null} if the acquisition had
     * already ended (GRANTED or DONE), which a race with another ending makes normal.
     *
     * @throws IllegalStateException for a transition the diagram does not have
     */
    synchronized State moveTo(State to) {
        State from = state;
        if (from == State.GRANTED || from == State.DONE) {
            return null;
        }
        boolean legal = switch (to) {
            case WAITING -> from == State.CREATING;
            case GRANTED -> from == State.WAITING;
            case DONE -> true;
            case CREATING -> false;
        };
        if (!legal) {
            throw new IllegalStateException("illegal acquisition transition " + from + " -> "
                    + to + " for lock '" + key + "'");
        }
        state = to;
        return from;
    }

    /** Records the created node; {@code token} 0 if the create's answer had no stat. */
    synchronized void created(String name, long zxid, long owner) {
        node = name;
        token = zxid;
        session = owner;
    }

    synchronized String node() {
        return node;
    }

    /** The zxid that created the node: the fencing token of a grant. */
    synchronized long token() {
        return token;
    }

    /** The session that owns the node (its {@code ephemeralOwner}). */
    synchronized long session() {
        return session;
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
        return "Acquisition{" + key + ", " + state() + ", node=" + node() + "}";
    }
}
