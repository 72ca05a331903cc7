package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortSemaphore;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.LockEvents;
import io.github.k3portlock.internal.ModeHold;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The {@link KeyPoller}s of one {@link AsyncPortlock}, and how an acquisition starts on one.
 * An exclusive acquisition shares the one poller of its key with every other exclusive waiter of
 * the instance (a release hands the ports to the next of them). A shared acquisition and a
 * permit each get a poller of their own: their holds coexist, so there is nothing to hand over,
 * and a waiter queued behind a local holder would wait for nothing. This class is thread-safe.
 */
final class Pollers {
    private final AsyncPortlock owner;
    /** The exclusive pollers, one per key. */
    private final ConcurrentHashMap<String, KeyPoller> byKey = new ConcurrentHashMap<>();
    /** The pollers of one shared acquisition or one permit each. */
    private final Set<KeyPoller> single = ConcurrentHashMap.newKeySet();

    Pollers(AsyncPortlock owner) {
        this.owner = owner;
    }

    /** Starts an exclusive acquisition on the key's shared poller. */
    void startExclusive(String key, long timeoutNanos, CompletableFuture<LockHandle> future) {
        // The key's ports are hashed only for a new poller (or a message), not on every acquire.
        start(key, () -> owner.scheme().lockPorts(key), timeoutNanos, future,
                () -> byKey.computeIfAbsent(key, k -> {
                    LockPorts target = owner.scheme().lockPorts(k);
                    return new KeyPoller(owner, target, KeyHold.of(
                            ModeHold.of(LockMode.EXCLUSIVE, target, owner.tuning.binder())));
                }));
    }

    /**
     * Starts a shared acquisition on a poller of its own.
     *
     * @throws IllegalStateException if this platform offers no {@code SO_REUSEPORT}
     */
    void startShared(String key, long timeoutNanos, CompletableFuture<LockHandle> future) {
        LockPorts target = owner.scheme().lockPorts(key);
        ModeHold hold = ModeHold.of(LockMode.SHARED, target, owner.tuning.binder());
        startAlone(target, KeyHold.of(hold), timeoutNanos, future);
    }

    /** Starts the acquisition of one of {@code semaphore}'s permits on a poller of its own. */
    void startPermit(PortSemaphore semaphore, long timeoutNanos,
            CompletableFuture<LockHandle> future) {
        List<LockPorts> permits = semaphore.permitPorts();
        // The first permit's ports stand for the semaphore in messages; nobody watches them.
        startAlone(permits.get(0), KeyHold.permit(permits, owner.tuning.binder()), timeoutNanos,
                future);
    }

    /** Starts an acquisition on a poller of its own, {@code target} named in its messages. */
    private void startAlone(LockPorts target, KeyHold hold, long timeoutNanos,
            CompletableFuture<LockHandle> future) {
        start(target.key(), () -> target, timeoutNanos, future, () -> {
            KeyPoller p = new KeyPoller(owner, target, hold);
            single.add(p);
            return p;
        });
    }

    private void start(String key, Supplier<LockPorts> target, long timeoutNanos,
            CompletableFuture<LockHandle> future, Supplier<KeyPoller> pollers) {
        long now = owner.now();
        boolean timed = timeoutNanos >= 0;
        Acquisition w = new Acquisition(future, now, timed, timed ? now + timeoutNanos : 0);
        if (owner.scheduler.isShutdown()) {
            w.done();
            owner.completer.fail(w, Failures.schedulerShutDown(target.get(), owner.scheduler));
            return;
        }
        KeyPoller poller;
        do {
            poller = pollers.get();
        } while (!poller.start(w));
        KeyPoller p = poller;
        LockEvents.Wait event = LockEvents.beginWait(); // null unless the flight recorder wants it
        // Registered after start(): nobody else can complete this future before we return it.
        future.whenComplete((value, failure) -> {
            p.onFutureDone(w, value);
            LockEvents.endWait(event, key, outcome(value, failure));
        });
    }

    /** How a wait ended, for the flight recorder's Wait event. */
    private static String outcome(LockHandle value, Throwable failure) {
        if (failure == null) {
            return value != null ? "acquired" : "completed by the caller";
        }
        Throwable f = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (f instanceof PortlockTimeoutException || f instanceof TimeoutException) {
            return "timeout";
        }
        return f instanceof CancellationException ? "cancelled" : "error";
    }

    /** A poller retired: the next acquisition of its key makes a new one. */
    void retire(KeyPoller poller) {
        if (!byKey.remove(poller.target.key(), poller)) {
            single.remove(poller);
        }
    }

    /** Every poller now, for the shutdown watch. */
    Collection<KeyPoller> all() {
        List<KeyPoller> all = new ArrayList<>(byKey.values());
        all.addAll(single);
        return all;
    }

    /** The number of pollers (waiters or a handle out). */
    int size() {
        return byKey.size() + single.size();
    }
}
