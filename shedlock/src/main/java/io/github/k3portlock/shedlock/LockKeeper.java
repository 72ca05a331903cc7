package io.github.k3portlock.shedlock;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncLocks;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.support.LockException;

/**
 * What both providers do: one attempt through an {@link AsyncLocks} backend, then a {@link Hold}
 * that keeps ShedLock's time rules. Thread-safe.
 */
final class LockKeeper {
    private final AsyncLocks locks;

    LockKeeper(AsyncLocks locks) {
        this.locks = Objects.requireNonNull(locks, "locks");
    }

    Optional<SimpleLock> lock(LockConfiguration configuration) {
        Objects.requireNonNull(configuration, "lockConfiguration");
        String name = configuration.getName();
        CompletableFuture<LockHandle> attempt = locks.acquire(name, Duration.ZERO);
        LockHandle handle;
        try {
            handle = attempt.get();
        } catch (InterruptedException e) {
            // Completing the future first makes the backend release a handle on its way to it.
            attempt.cancel(false);
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while locking '" + name + "'", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PortlockTimeoutException) {
                return Optional.empty(); // held elsewhere: ShedLock skips the run
            }
            throw new LockException("cannot lock '" + name + "'", e.getCause());
        }
        Hold hold = new Hold(handle, KeptLock.nanosUntil(configuration.getLockAtMostUntil()));
        return Optional.of(new KeptLock(configuration, hold));
    }

    @Override
    public String toString() {
        return locks.toString();
    }
}
