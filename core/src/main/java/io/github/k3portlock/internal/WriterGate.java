package io.github.k3portlock.internal;

/**
 * The writer gate of one exclusive {@code acquire()}: the key's gate ports, held exclusively from
 * the first attempt after a miss that can bind them until the acquire returns (holding the lock,
 * or not). While it is held, no shared hold of the key can begin ({@link ModeHold}). Confined to
 * the acquiring thread: not thread-safe.
 */
public final class WriterGate implements AutoCloseable {
    /**
     * Where the gate is. Transitions: {@code WANTED -> HELD -> CLOSED}, {@code WANTED -> CLOSED};
     * {@code CLOSED} is final. Changed only through {@link #moveTo(State)}.
     */
    private State state = State.WANTED;
    /** Whose gate, derived on the first {@link #declare()} (null: a shared lock takes none). */
    private final ModeHold owner;
    private final PortBinder binder;
    /** The held gate: non-null exactly in {@code HELD}. */
    private PortHandle held;

    /** The life of one gate. */
    enum State {
        /** Not held yet: each {@link #declare()} tries to bind it. */
        WANTED,
        /** Held: new readers wait. */
        HELD,
        /** Let go (or never taken): the acquire is over. */
        CLOSED
    }

    WriterGate(ModeHold owner, PortBinder binder) {
        this.owner = owner;
        this.binder = binder;
    }

    /**
     * Tries once to take the gate, if it is wanted and not held yet. A miss (another writer
     * holds it, or a reader is in the middle of an attempt) is retried at the next call.
     *
     * @throws io.github.k3portlock.PortlockException on a bind failure other than contention
     */
    public void declare() {
        if (state != State.WANTED || owner == null) {
            return;
        }
        PortHandle h = Quorum.tryAcquire(owner.gate(), binder);
        if (h != null) {
            held = h;
            moveTo(State.HELD);
        }
    }

    /**
     * Tells whether the gate is held.
     *
     * @return {@code true} while held
     */
    public boolean held() {
        return state == State.HELD;
    }

    /** Lets the gate go, if held. Idempotent. */
    @Override
    public void close() {
        if (state == State.CLOSED) {
            return;
        }
        PortHandle h = held;
        held = null;
        moveTo(State.CLOSED);
        if (h != null) {
            h.release();
        }
    }

    private void moveTo(State next) {
        boolean allowed = switch (state) {
            case WANTED -> next == State.HELD || next == State.CLOSED;
            case HELD -> next == State.CLOSED;
            case CLOSED -> false;
        };
        if (!allowed) {
            throw new IllegalStateException("writer gate: " + state + " -> " + next);
        }
        state = next;
    }
}
