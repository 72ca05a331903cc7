package io.github.k3portlock.async;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Watches a user's scheduler and completion executor for a {@code shutdownNow()}, which drops
 * queued tasks without running them, and tracks the handles on their way through the completion
 * executor. This class is thread-safe.
 *
 * <p>A dropped attempt would leave its waiters waiting for ever; a dropped delivery would leave the
 * lock held by nobody. While waiters are queued on a user scheduler, or grants are on their way
 * through a user {@link ExecutorService}, a check runs every {@code period} on the JDK's own
 * delayer (a daemon thread shared with {@code orTimeout}): it fails the waiters of a shut-down
 * scheduler, and takes back the handles a shut-down executor will never deliver.
 */
final class ShutdownWatch {
    /** A user scheduler, or {@code null} for the shared one (never shut down). */
    private final ScheduledExecutorService userScheduler;
    /** A user completion executor that can report being shut down; else {@code null}. */
    private final ExecutorService watchedCompletion;
    private final long periodNanos;
    private final Supplier<Collection<KeyPoller>> pollers;
    private final IntSupplier pending;
    /**
     * Grants handed to {@link #watchedCompletion} and not yet run: whoever removes an entry (the
     * delivery task, or the check after a shutdown) decides what becomes of the handle.
     */
    private final ConcurrentHashMap<Acquisition, AsyncHandle> undelivered = new ConcurrentHashMap<>();
    private final AtomicBoolean armed = new AtomicBoolean();

    ShutdownWatch(ScheduledExecutorService userScheduler, ExecutorService watchedCompletion,
            long periodNanos, Supplier<Collection<KeyPoller>> pollers, IntSupplier pending) {
        this.userScheduler = userScheduler;
        this.watchedCompletion = watchedCompletion;
        this.periodNanos = periodNanos;
        this.pollers = pollers;
        this.pending = pending;
    }

    /** Notes that {@code h} was handed to the completion executor for {@code w}. */
    void track(Acquisition w, AsyncHandle h) {
        if (watchedCompletion != null) {
            undelivered.put(w, h);
        }
    }

    /**
     * Claims the delivery of {@code h} to {@code w}: {@code true} if the caller decides what
     * becomes of the handle, {@code false} if the check took it back already.
     */
    boolean claim(Acquisition w, AsyncHandle h) {
        return watchedCompletion == null || undelivered.remove(w, h);
    }

    private boolean needed() {
        return (userScheduler != null && pending.getAsInt() > 0)
                || (watchedCompletion != null && !undelivered.isEmpty());
    }

    /** Schedules a check unless one is pending or nothing needs watching. */
    void arm() {
        if (periodNanos <= 0 || !needed()) {
            return;
        }
        if (armed.compareAndSet(false, true)) {
            try {
                CompletableFuture.delayedExecutor(periodNanos, TimeUnit.NANOSECONDS)
                        .execute(this::check);
            } catch (RuntimeException e) {
                armed.set(false);
            }
        }
    }

    private void check() {
        if (userScheduler != null && userScheduler.isShutdown()) {
            for (KeyPoller p : pollers.get()) {
                p.failAll(Failures.schedulerShutDown(p.target, userScheduler));
            }
        }
        if (watchedCompletion != null && watchedCompletion.isShutdown()) {
            undelivered.forEach((w, h) -> {
                if (undelivered.remove(w, h)) {
                    KeyPoller p = h.poller();
                    p.delivery.undeliverable(w, h,
                            Failures.completionShutDown(p.target, watchedCompletion));
                }
            });
        }
        armed.set(false);
        // Guard against a race with work added after the check: it saw the flag still set.
        arm();
    }
}
