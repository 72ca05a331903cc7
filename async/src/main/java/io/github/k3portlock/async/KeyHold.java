package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.internal.ModeHold;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import io.github.k3portlock.internal.WriterGate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How one {@link KeyPoller} takes its hold, and what it keeps while its waiters poll: an
 * exclusive or shared hold through core's {@link ModeHold} (an exclusive poller holds the key's
 * writer gate while it polls, exactly as a waiting {@code Portlock.acquire()} does, so that
 * readers cannot starve it), or one permit of a semaphore (any free permit port). Not
 * thread-safe: guarded by the poller's lock, like the rest of its state.
 */
final class KeyHold {
    /** The mode's holds, or {@code null} for a semaphore. */
    private final ModeHold mode;
    /** The semaphore's permits, one port each, or {@code null} for a lock. */
    private final List<LockPorts> permits;
    private final PortBinder binder;
    /**
     * The writer gate of the current polling session: {@code null} outside one. Set at the first
     * failed attempt of a session, let go when the poller stops polling (it holds, idles or
     * retires).
     */
    private WriterGate gate;

    private KeyHold(ModeHold mode, List<LockPorts> permits, PortBinder binder) {
        this.mode = mode;
        this.permits = permits;
        this.binder = binder;
    }

    /** The holds of a lock in a mode (an exclusive one takes the writer gate while it polls). */
    static KeyHold of(ModeHold mode) {
        return new KeyHold(Objects.requireNonNull(mode, "mode"), null, null);
    }

    /** One permit of a semaphore, on any of {@code permits} (one port each). */
    static KeyHold permit(List<LockPorts> permits, PortBinder binder) {
        return new KeyHold(null, List.copyOf(permits), Objects.requireNonNull(binder, "binder"));
    }

    /**
     * Tries once to take the hold.
     *
     * @return the held ports, or {@code null} on contention
     * @throws io.github.k3portlock.PortlockException on a failure other than contention
     */
    PortHandle tryAcquire() {
        if (mode != null) {
            return mode.tryAcquire();
        }
        // From a random permit on, so that concurrent acquirers seldom meet on one port.
        int n = permits.size();
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            PortHandle h = Quorum.tryAcquire(permits.get((start + i) % n), binder);
            if (h != null) {
                return h;
            }
        }
        return null;
    }

    /**
     * Notes an attempt that failed while waiters poll: an exclusive poller tries to take its
     * writer gate (again, if another writer held it); shared holds and permits keep nothing.
     *
     * @throws io.github.k3portlock.PortlockException on a bind failure other than contention
     */
    void waiting() {
        if (mode == null || mode.shared()) {
            return;
        }
        if (gate == null) {
            gate = mode.waitingWriter();
        }
        gate.declare();
    }

    /**
     * Notes the poller's phase: when it stops polling (it holds, idles or retires), lets the
     * writer gate go, if held; readers then wait for the key's ports themselves.
     *
     * @param polling whether the poller polls now
     */
    void polling(boolean polling) {
        if (polling) {
            return;
        }
        WriterGate g = gate;
        gate = null;
        if (g != null) {
            g.close();
        }
    }

    /** Tells whether this poller holds its key's writer gate; for tests. */
    boolean gateHeld() {
        return gate != null && gate.held();
    }

    /** Tells whether a release hands the key over in turn: exclusive locks only. */
    boolean handsOver() {
        return mode != null && !mode.shared();
    }

    /**
     * Tells whether a wake line helps: a lock's waiters watch the holder's port; a semaphore's
     * poll, as any of several holders may release first and a line watches only one.
     */
    boolean wakes() {
        return mode != null;
    }
}
