package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.LockErrors;
import java.time.Duration;
import java.time.Instant;

/**
 * The exceptions this module completes futures with: each message written in one place, on
 * core's factories (which quote and cut the key the same way everywhere).
 */
final class Failures {
    private Failures() {
    }

    static PortlockException schedulerShutDown(LockPorts target, Object scheduler) {
        return LockErrors.forLock(target, "cannot wait for",
                ": the scheduler " + scheduler + " is shut down", null);
    }

    static PortlockException schedulerRejected(LockPorts target, Object scheduler,
            RuntimeException cause) {
        return LockErrors.forLock(target, "cannot wait for", ": the scheduler " + scheduler
                + " refused the next attempt (is it shut down?)", cause);
    }

    static PortlockException completionRejected(LockPorts target, Object executor,
            RuntimeException cause) {
        return LockErrors.forLock(target, "took", " but the completion executor "
                + executor + " refused to complete the future; the lock was passed on", cause);
    }

    static PortlockException completionShutDown(LockPorts target, Object executor) {
        return LockErrors.forLock(target, "took", " but the completion executor "
                + executor + " was shut down without completing the future; the lock was passed on",
                null);
    }

    /** A bind attempt threw: a {@link PortlockException} as is, anything else wrapped. */
    static PortlockException unexpected(LockPorts target, Throwable e) {
        if (e instanceof PortlockException pe) {
            return pe;
        }
        if (Descriptors.isOutOfDescriptors(e)) {
            return Descriptors.outOfDescriptors(target, -1, e); // e.g. an initialiser's error
        }
        return LockErrors.forLock(target, "unexpected failure while binding", ": " + e, e);
    }

    /**
     * A timeout. When a handle of the same {@link AsyncPortlock} holds the key ({@code heldSince}
     * not null), the message says so: the waiter queued behind its own instance's holder.
     */
    static PortlockTimeoutException timeout(LockPorts target, Duration waited, Instant heldSince) {
        return heldSince == null ? LockErrors.timedOut(target, waited)
                : LockErrors.timedOut(target, waited,
                        "held by a handle of this AsyncPortlock, acquired at " + heldSince);
    }
}
