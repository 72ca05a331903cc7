package io.github.k3portlock.async;

import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link KeyPoller} decided under its lock and {@link GrantDelivery} carries out after
 * unlocking: futures to fail, a grant to deliver, wake-line I/O to start or close. Collecting
 * them keeps user code (dependent stages) from ever running under the poller's lock. Not
 * thread-safe: made and used by one thread.
 */
final class DeferredCompletions {
    final List<Acquisition> failed = new ArrayList<>();
    final List<Throwable> failures = new ArrayList<>();
    Acquisition grantee;
    AsyncHandle granted;
    /** A waiter was queued: the shutdown watch may have to run. */
    boolean enqueued;
    /** The grant went to a future nobody has seen yet: complete it on this thread. */
    boolean direct;
    final KeyWakeLine.Io io = new KeyWakeLine.Io();

    /** Moves {@code w} to DONE now and fails its future once the lock is released. */
    void fail(Acquisition w, Throwable failure) {
        w.done();
        failed.add(w);
        failures.add(failure);
    }

    /** Delivers {@code h} to {@code w} once the lock is released. */
    void grant(Acquisition w, AsyncHandle h) {
        grantee = w;
        granted = h;
    }
}
