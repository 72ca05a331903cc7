package io.github.k3portlock.spring;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncLocks;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The lock of one key in a {@link PortlockLockRegistry}: a {@link ReentrantLock} orders the threads
 * of this JVM and counts the owner's holds; the first hold takes the backend's lock and the last
 * unlock releases it. See {@link PortlockLockRegistry} for the contract. Thread-safe.
 */
final class KeyLock implements Lock {
    private final String key;
    private final AsyncLocks locks;
    private final ReentrantLock local = new ReentrantLock();
    /** Guarded by {@link #local}: the backend's handle while the local lock is held. */
    private LockHandle handle;
    /** {@code System.currentTimeMillis()} of the last {@code obtain}, for expiry. */
    private volatile long lastObtained;

    KeyLock(String key, AsyncLocks locks) {
        this.key = key;
        this.locks = locks;
    }

    void obtained(long now) {
        lastObtained = now;
    }

    /** Whether the lock may be dropped: obtained before {@code cutoff}, not held, not awaited. */
    boolean unusedSince(long cutoff) {
        return lastObtained < cutoff && !local.isLocked() && !local.hasQueuedThreads();
    }

    @Override
    public void lock() {
        local.lock();
        if (local.getHoldCount() > 1) {
            return;
        }
        try {
            handle = locks.acquire(key).join(); // not interruptible, as lock() must be
        } catch (CompletionException e) {
            local.unlock();
            throw failure(e.getCause());
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        local.lockInterruptibly();
        if (local.getHoldCount() > 1) {
            return;
        }
        take(attempt(null));
    }

    @Override
    public boolean tryLock() {
        if (!local.tryLock()) {
            return false;
        }
        if (local.getHoldCount() > 1) {
            return true;
        }
        try {
            handle = locks.acquire(key, Duration.ZERO).join(); // one attempt: completes at once
            return true;
        } catch (CompletionException e) {
            local.unlock();
            if (e.getCause() instanceof PortlockTimeoutException) {
                return false;
            }
            throw failure(e.getCause());
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        long start = System.nanoTime();
        long nanos = Math.max(0, unit.toNanos(time));
        if (!local.tryLock(nanos, TimeUnit.NANOSECONDS)) {
            return false;
        }
        if (local.getHoldCount() > 1) {
            return true;
        }
        long left = Math.max(0, nanos - (System.nanoTime() - start));
        try {
            return take(attempt(Duration.ofNanos(left)));
        } catch (PortlockTimeoutException e) {
            return false; // take() has unlocked
        }
    }

    /** Starts the backend's acquisition; if that throws, the local lock is released. */
    private CompletableFuture<LockHandle> attempt(Duration timeout) {
        try {
            return timeout == null ? locks.acquire(key) : locks.acquire(key, timeout);
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    /**
     * Waits for the backend's handle, with the local lock held (first hold); on any failure the
     * local lock is released. A timeout is thrown as {@link PortlockTimeoutException}.
     */
    private boolean take(CompletableFuture<LockHandle> attempt) throws InterruptedException {
        try {
            handle = attempt.get();
            return true;
        } catch (InterruptedException e) {
            // Completing the future first makes the backend release a handle on its way to it;
            // if the handle got there first, it is ours to release.
            if (!attempt.cancel(false) && !attempt.isCompletedExceptionally()) {
                attempt.join().release();
            }
            local.unlock();
            throw e;
        } catch (ExecutionException e) {
            local.unlock();
            throw failure(e.getCause());
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
    }

    @Override
    public void unlock() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("the lock on '" + key
                    + "' is not held by the current thread");
        }
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        LockHandle held = handle;
        handle = null;
        boolean lost = !held.isValid();
        try {
            held.release();
        } finally {
            local.unlock();
        }
        if (lost) {
            throw new ConcurrentModificationException("the lock on '" + key + "' was lost while"
                    + " held (" + held + "): another holder may have run at the same time");
        }
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("conditions are not supported by a cross-process"
                + " lock");
    }

    private static RuntimeException failure(Throwable cause) {
        return cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }

    @Override
    public String toString() {
        return "PortlockLockRegistry.Lock{key=" + key + ", locked=" + local.isLocked() + "}";
    }
}
