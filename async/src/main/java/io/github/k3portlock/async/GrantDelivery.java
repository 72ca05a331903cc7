package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.internal.PortHandle;

/**
 * Carries out a {@link KeyPoller}'s {@link DeferredCompletions} after its lock is released: runs
 * the wake-line I/O, fails futures and delivers a grant through the completion executor.
 *
 * <p>One path takes back every grant that did not reach its future: refused by the completion
 * executor, or dropped by one shut down meanwhile (found late, by the {@link ShutdownWatch}).
 * {@link #takeBack} revokes the handle unless a release came first, fails the waiter and hands
 * the ports to the next waiter, whose delivery runs in the same loop rather than recursively. (A
 * handle the future refused because it was completed elsewhere first is released by the future's
 * hook: that release hands over like any other.) Stateless and thread-safe.
 */
final class GrantDelivery {
    private final KeyPoller poller;
    private final AsyncPortlock owner;
    private final LockPorts target;

    GrantDelivery(KeyPoller poller, AsyncPortlock owner, LockPorts target) {
        this.poller = poller;
        this.owner = owner;
        this.target = target;
    }

    /** Carries out {@code out}, and the hand-overs that follow from grants taken back. */
    void carryOut(DeferredCompletions out) {
        while (out != null) {
            out.io.run(target);
            if (out.direct) {
                // Nobody has the future yet: complete it here, on the caller's thread (no
                // dependent stage exists, so no user code runs), without a trip through the
                // executor.
                if (!out.grantee.future.complete(out.granted)) {
                    out.granted.release();
                }
                return;
            }
            if (out.enqueued) {
                owner.watch.arm();
            }
            for (int i = 0; i < out.failed.size(); i++) {
                owner.completer.fail(out.failed.get(i), out.failures.get(i));
            }
            out = out.grantee == null ? null : deliver(out.grantee, out.granted);
        }
    }

    /** Called once by the first release of a handle of this poller: hand over or close. */
    void passOn(PortHandle ports) {
        carryOut(poller.handOver(ports));
    }

    /**
     * A grant the completion executor dropped (it was shut down): taken back, and the hand-over
     * that follows carried out.
     */
    void undeliverable(Acquisition w, AsyncHandle h, PortlockException failure) {
        carryOut(takeBack(w, h, failure));
    }

    /**
     * Hands {@code h} to the completion executor for {@code w}.
     *
     * @return the completions of the hand-over if the executor refused the task, else
     *     {@code null}
     */
    private DeferredCompletions deliver(Acquisition w, AsyncHandle h) {
        owner.watch.track(w, h);
        RuntimeException refused = owner.completer.dispatch(() -> {
            if (!owner.watch.claim(w, h)) {
                return; // too late: the shutdown watch took the handle back
            }
            // Guard against the race with a completion elsewhere (cancel, orTimeout): a handle
            // the future did not take is released at once (and passed on).
            if (!w.future.complete(h)) {
                h.release();
            }
        });
        if (refused == null) {
            owner.watch.arm();
            return null;
        }
        if (!owner.watch.claim(w, h)) {
            return null; // the shutdown watch took it back meanwhile
        }
        return takeBack(w, h, Failures.completionRejected(target, owner.completer, refused));
    }

    /**
     * Takes back a grant that did not reach its future: revokes {@code h} (unless a release came
     * first), fails {@code w}, and passes the ports on.
     *
     * @return the completions of the hand-over, or {@code null} if a release came first
     */
    private DeferredCompletions takeBack(Acquisition w, AsyncHandle h, PortlockException failure) {
        if (!h.revoke()) {
            return null; // the future was completed elsewhere and its hook released the handle
        }
        w.future.completeExceptionally(failure);
        return poller.handOver(h.portHandle());
    }
}
