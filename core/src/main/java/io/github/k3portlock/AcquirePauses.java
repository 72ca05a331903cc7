package io.github.k3portlock;

import io.github.k3portlock.internal.WakeLine;
import io.github.k3portlock.internal.WakePolicy;

/**
 * The pauses of one {@link Portlock#acquire()}: in a read on a {@link WakeLine} line to the
 * holder when one can be had, which returns the moment the holder's port closes; otherwise on the
 * condition a release by the lock's instance signals. Either way no longer than the pause.
 * Confined to the acquiring thread: not thread-safe.
 */
final class AcquirePauses implements AutoCloseable {
    private final Portlock lock;
    private final WakePolicy policy = new WakePolicy();
    private WakeLine line;
    private boolean stranger;

    AcquirePauses(Portlock lock) {
        this.lock = lock;
    }

    void pause(long nanos) {
        // While this instance holds the lock (another thread does), its release signals the
        // condition: no line is needed.
        if (line == null && !stranger && policy.mayConnect() && !lock.hasLocked()) {
            long t0 = System.nanoTime();
            line = WakeLine.connect(lock.lockPorts(), nanos);
            nanos -= System.nanoTime() - t0;
            if (nanos <= 0) {
                return; // the connect used up the pause (a dropped handshake): attempt
            }
        }
        if (line == null || nanos < 1_000_000) {
            // No holder to connect to (a free port after a race, the Python original, a
            // full queue), or less than the socket timeout's millisecond left: as before.
            policy.reset();
            lock.pause(nanos);
            return;
        }
        switch (line.await(nanos)) {
            case RESET -> {
                // A lost wake (or a peer that resets every connection at once, no holder):
                // a plain pause follows, see WakePolicy.MAX_FUTILE_WAKES.
                policy.wokeInVain();
                line = null;
            }
            case STRANGER -> {
                stranger = true; // not a holder: poll for the rest of this wait
                line = null;
            }
            case TIMED_OUT -> policy.reset();
        }
    }

    @Override
    public void close() {
        if (line != null) {
            line.close();
        }
    }
}
