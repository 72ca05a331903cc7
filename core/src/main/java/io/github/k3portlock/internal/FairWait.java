package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import java.util.function.BooleanSupplier;

/**
 * The pauses of one blocking acquire, and its place in the key's queue across processes. The
 * acquire issues one {@link Ticket} at its first pause and keeps it to the end, so that a waiter
 * that reconnects (to the next holder) keeps its seniority. Between attempts it waits in a read on
 * a {@link WakeLine} line to the holder when one can be had; otherwise in a plain pause (the
 * caller's condition, which a release by the same instance signals). Never longer than the pause
 * given.
 *
 * <p>What the holder answers on release decides the next attempt: {@link WakeLine.Result#YOURS}, an
 * attempt at once that may ignore this JVM's {@link HandOverYield promise} (it is the promised
 * waiter); {@link WakeLine.Result#WAIT}, no attempt until the next holder listens (then a new line
 * to it with the same ticket) or {@link HandOverYield#GRACE_NANOS} has passed (then attempts as
 * usual, so that a chosen waiter that died never keeps the key from the others). A pending promise
 * of this JVM (this process just released to another waiter) is waited out the same way.
 *
 * <p>Not thread-safe: owned by the one thread that acquires.
 */
public final class FairWait implements AutoCloseable {
    /** A plain pause of up to the given nanoseconds (the caller's condition). */
    @FunctionalInterface
    public interface Pause {
        /**
         * Pauses.
         *
         * @param nanos at most this long
         */
        void pause(long nanos);
    }

    /** Where the wait is; see {@link #state}. */
    enum State {
        /** No line: the next pause opens one if it can, else pauses plainly. */
        POLLING,
        /** A line to the holder with our ticket sent: the next pause reads it. */
        LINED,
        /** Told {@code YOURS}: the next attempt is the promised one. */
        CHOSEN,
        /** Told {@code WAIT} (or a promise of this JVM is pending): no attempt until the next
         * holder listens or {@link FairWait#nextUntil}. */
        NEXT,
        /** The peer on the line is no lock holder: plain pauses to the end of this acquire. */
        STRANGER;

        boolean canMoveTo(State next) {
            return switch (this) {
                case POLLING -> next == LINED || next == NEXT;
                case LINED -> next != LINED;
                case CHOSEN -> next == POLLING;
                case NEXT -> next == LINED || next == POLLING;
                case STRANGER -> false;
            };
        }
    }

    /** The first look for the next holder after a {@code WAIT}; doubled up to the maximum. */
    static final long FIRST_LOOK_NANOS = 100_000;
    /** The longest pause between looks for the next holder. */
    static final long MAX_LOOK_NANOS = 1_000_000;

    private final LockPorts target;
    private final Pause plain;
    private final BooleanSupplier heldHere;
    /** Issued at the first pause, kept to the end. */
    private Ticket ticket;
    private WakeLine line;
    /**
     * Possible transitions: POLLING -&gt; LINED (a line is up) or NEXT (a promise is pending);
     * LINED -&gt; CHOSEN, NEXT (the verdicts), POLLING (a reset without verdict) or STRANGER;
     * CHOSEN -&gt; POLLING (the attempt was made); NEXT -&gt; LINED (the next holder listens) or
     * POLLING (the grace ran out). STRANGER is final. Changed only by {@link #moveTo}.
     */
    private State state = State.POLLING;
    /** In NEXT: the {@code nanoTime} after which attempts resume. */
    private long nextUntil;
    /** In NEXT: the pause after a look that found nobody, doubled up to the maximum. */
    private long look;
    /** In NEXT: the {@code nanoTime} of the next look. */
    private long lookAt;
    /** Counts resets whose attempt failed (see {@link WakePolicy#MAX_FUTILE_WAKES}). */
    private final WakePolicy policy = new WakePolicy();

    /**
     * Creates the wait of one acquire.
     *
     * @param target the key's ports
     * @param plain the plain pause
     * @param heldHere tells whether the acquiring instance itself holds the key (another of its
     *     threads does): its release signals the plain pause, no line is needed
     */
    public FairWait(LockPorts target, Pause plain, BooleanSupplier heldHere) {
        this.target = target;
        this.plain = plain;
        this.heldHere = heldHere;
    }

    private void moveTo(State next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("illegal wait transition " + state + " -> " + next
                    + " for lock " + Checks.quote(target.key()));
        }
        state = next;
    }

    /**
     * Tells whether an attempt may be made now: not while waiting for the next holder.
     *
     * @return {@code false} while a chosen waiter (elsewhere) has its turn
     */
    public boolean mayAttempt() {
        if (state == State.NEXT && System.nanoTime() - nextUntil >= 0) {
            moveTo(State.POLLING); // the grace ran out: attempt as usual
        }
        return state != State.NEXT;
    }

    /**
     * Tells whether the coming attempt is the one the holder promised to this waiter, once.
     *
     * @return {@code true} right after a {@code YOURS}
     */
    public boolean chosen() {
        if (state == State.CHOSEN) {
            moveTo(State.POLLING); // if the attempt fails, the next pause reconnects
            return true;
        }
        return false;
    }

    /**
     * Pauses up to {@code nanos}: in a read on the line, in looks for the next holder, or plainly.
     *
     * @param nanos how long at most, positive
     * @throws io.github.k3portlock.PortlockException if interrupted, or out of descriptors
     */
    public void pause(long nanos) {
        if (ticket == null) {
            ticket = Ticket.issue();
        }
        if (line != null && state == State.POLLING) {
            close(); // the chosen line, left open for the attempt to come first
        }
        if (state == State.POLLING && policy.mayConnect() && !heldHere.getAsBoolean()) {
            long until = HandOverYield.pendingUntil(target);
            if (until != 0) {
                waitForNext(until, 0); // this JVM just promised the key to a waiter elsewhere
            } else {
                long t0 = System.nanoTime();
                connect(nanos);
                nanos -= System.nanoTime() - t0;
                if (nanos <= 0) {
                    return; // the connect used up the pause (a dropped handshake): attempt
                }
            }
        }
        if (state == State.NEXT) {
            lookForNext(nanos);
        } else if (state != State.LINED || nanos < 1_000_000) {
            // No holder to connect to (a free port after a race, the Python original, a full
            // queue), or less than the socket timeout's millisecond left: as before.
            policy.reset();
            plain.pause(nanos);
        } else {
            await(nanos);
        }
    }

    private void connect(long nanos) {
        WakeLine w = WakeLine.connect(target, nanos);
        if (w != null && w.send(ticket)) {
            line = w;
            moveTo(State.LINED);
        }
    }

    private void await(long nanos) {
        WakeLine.Result r = line.await(nanos);
        long delay = r == WakeLine.Result.WAIT ? line.waitMicros() * 1_000 : 0;
        if (r != WakeLine.Result.TIMED_OUT && r != WakeLine.Result.YOURS) {
            line = null; // closed by the wait
        }
        switch (r) {
            case YOURS -> {
                policy.reset();
                moveTo(State.CHOSEN);
            }
            case WAIT -> {
                // Not before our turn comes near (the holder's guess), and not for ever.
                policy.reset();
                waitForNext(System.nanoTime() + Math.max(HandOverYield.GRACE_NANOS, delay), delay);
            }
            case RESET -> {
                // No verdict: the holder crashed or is not ours; attempt, as everyone does. Lost
                // races in a row end in a plain pause, see WakePolicy.MAX_FUTILE_WAKES.
                policy.wokeInVain();
                moveTo(State.POLLING);
            }
            case STRANGER -> moveTo(State.STRANGER); // not a holder: poll for the rest
            case TIMED_OUT -> policy.reset();
        }
    }

    private void waitForNext(long until, long firstLookNanos) {
        moveTo(State.NEXT);
        nextUntil = until;
        look = FIRST_LOOK_NANOS;
        lookAt = System.nanoTime() + firstLookNanos;
    }

    /** In NEXT: one look for the next holder (a connect) when due; else a short plain pause. */
    private void lookForNext(long nanos) {
        long t0 = System.nanoTime();
        long left = nextUntil - t0;
        if (left <= 0) {
            return; // mayAttempt() ends NEXT
        }
        if (lookAt - t0 > 0) {
            plain.pause(Math.min(Math.min(lookAt - t0, left), nanos));
            return;
        }
        WakeLine w = WakeLine.connect(target, Math.min(nanos, left));
        if (w != null) {
            HandOverYield.kept(target); // someone holds the key again: the promise is kept
            moveTo(State.POLLING);
            if (w.send(ticket)) {
                line = w;
                moveTo(State.LINED);
                long rest = nanos - (System.nanoTime() - t0);
                if (rest >= 1_000_000) {
                    await(rest);
                }
            }
            return;
        }
        plain.pause(Math.max(1, Math.min(Math.min(look, left), nanos - (System.nanoTime() - t0))));
        look = Math.min(look * 2, MAX_LOOK_NANOS);
    }

    /** Closes the line if one is up; idempotent. */
    @Override
    public void close() {
        if (line != null) {
            line.close();
            line = null;
        }
    }

    @Override
    public String toString() {
        return "FairWait{" + Checks.quote(target.key()) + ", " + state + ", " + ticket + "}";
    }
}
