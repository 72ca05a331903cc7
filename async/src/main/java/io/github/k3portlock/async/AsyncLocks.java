package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Non-blocking acquisition of a named cross-process lock, whatever holds it: the port lock of
 * one host ({@link AsyncPortlock}) or a coordination service spanning hosts (the ZooKeeper
 * backend, {@code io.github.k3portlock.zookeeper.ZooKeeperLocks}). Code written against this
 * interface runs unchanged on either backend; only the instance changes.
 *
 * <p>Beside the exclusive lock, every backend offers shared (read) holds,
 * {@link #acquire(String, LockMode, Duration)}, and counting semaphores,
 * {@link #acquirePermit(String, int, Duration)}.
 *
 * <pre>{@code
 * AsyncLocks locks = oneHost ? AsyncPortlock.create() : ZooKeeperLocks.create(curator, "/locks");
 * locks.withLock("nightly-report", Duration.ofSeconds(5), handle -> buildReportAsync());
 * }</pre>
 *
 * <p><b>Contract shared by the implementations.</b> Every method returns at once, never blocks the
 * caller, and uses no thread per waiting acquisition. Whoever completes a returned future first
 * wins: the implementation with a handle, or the caller with {@code cancel}, {@code orTimeout} or
 * {@code completeExceptionally}. Once a future is completed by anyone else, the wait stops and a
 * handle on its way to that future is released at once: a handle the future did not take never
 * leaks. Lock failures complete the future exceptionally with {@link PortlockException} (a timeout
 * with {@link PortlockTimeoutException}); misuse (null or empty key, negative timeout, null action)
 * throws at once from the method. Futures are completed on the implementation's completion
 * executor, never on a thread the implementation needs to make progress. Handles are not
 * reentrant: acquiring a key already held, even from the holder's own callback, waits for its
 * release. What {@link LockHandle#ports()} and {@link LockHandle#isValid()} report depends on the
 * backend; see its documentation.
 *
 * <p><b>Thread safety and memory visibility.</b> Implementations are thread-safe. Actions prior to
 * releasing a handle happen-before actions in stages that depend on the next successful
 * acquisition of the same key through the same instance. Across processes, the lock orders the
 * critical sections only; their memory effects travel through whatever the processes share.
 */
public interface AsyncLocks {

    /**
     * Acquires the lock on {@code key}, waiting as long as it takes. The future completes with a
     * valid handle once the lock is taken, or exceptionally with {@link PortlockException} on a
     * permanent failure; it never times out by itself. Completing it in any other way stops the
     * wait.
     *
     * @param key the lock key, not empty
     * @return a future of the handle, returned at once
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    CompletableFuture<LockHandle> acquire(String key);

    /**
     * Acquires the lock on {@code key}, waiting up to {@code timeout}. The future completes with a
     * valid handle once the lock is taken; exceptionally with {@link PortlockTimeoutException} at
     * the deadline if it was not; or exceptionally with {@link PortlockException} on a permanent
     * failure. Completing it in any other way ({@code cancel}, {@code orTimeout},
     * {@code completeExceptionally}) stops the wait.
     *
     * @param key the lock key, not empty
     * @param timeout how long to wait; zero means "only if free at once"
     * @return a future of the handle, returned at once
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate or
     *     {@code timeout} negative
     */
    CompletableFuture<LockHandle> acquire(String key, Duration timeout);

    /**
     * Acquires the lock on {@code key} in {@code mode}, waiting up to {@code timeout}, as
     * {@link #acquire(String, Duration)}: {@link LockMode#EXCLUSIVE} is exactly that acquisition;
     * {@link LockMode#SHARED} holds the key together with other shared holders (in any process,
     * and in this instance) and never beside an exclusive one. A waiting exclusive acquisition is
     * not starved by readers that keep overlapping: readers that begin after it wait (each
     * backend says its bound). A backend that cannot honour the mode on this key fails at once,
     * never by holding the key without excluding what it should.
     *
     * @param key the lock key, not empty
     * @param mode how to hold the key
     * @param timeout how long to wait; zero means "only if free at once"
     * @return a future of the handle, returned at once
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate, or
     *     {@code timeout} is negative
     * @throws IllegalStateException if the backend cannot take holds in {@code mode} (see its
     *     documentation)
     */
    CompletableFuture<LockHandle> acquire(String key, LockMode mode, Duration timeout);

    /**
     * Acquires one of {@code permits} permits of the semaphore {@code key}, waiting up to
     * {@code timeout}: at most {@code permits} handles of that semaphore, in any process, are
     * valid at once. The semaphore's key is a namespace apart from the lock of the same key.
     * Every user of a semaphore must pass the same {@code permits}; each backend says what
     * happens when they disagree. Each call takes one more permit (no reentrancy, no owner); the
     * handle may be released from any thread, once. The future completes as
     * {@link #acquire(String, Duration)}'s does.
     *
     * @param key the semaphore's key, not empty
     * @param permits how many holders at once, at least 1 (each backend says its maximum)
     * @param timeout how long to wait; zero means "only if a permit is free at once"
     * @return a future of the handle, returned at once
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate,
     *     {@code permits} is out of range, or {@code timeout} is negative
     */
    CompletableFuture<LockHandle> acquirePermit(String key, int permits, Duration timeout);

    /**
     * Runs {@code action} under the lock on {@code key} and releases the lock however it ends.
     *
     * <p>Once the lock is acquired (waiting up to {@code timeout}), {@code action} is called with
     * the handle, on the completion executor. The returned future completes like the stage the
     * action returns, after the lock has been released; if acquiring fails, it completes with that
     * failure and the action is not called. The lock is released when the action's stage
     * completes, when the action throws or returns {@code null} (the future then fails with that
     * exception, or a {@link NullPointerException}), and at once when the returned future is
     * completed by anyone else. If that happens before the action was called, the action is never
     * called. The action's stage is never cancelled by this method. A backend whose handles can
     * lose the lock while held (a lost session) fails the returned future when that happens.
     *
     * <p>The default implementation calls {@link #acquire(String, Duration)} and runs the action
     * when that future completes (so on the thread that completes it), wired as above; a backend
     * adds what its handles need (a lost session) by wrapping the action.
     *
     * @param <T> the result type
     * @param key the lock key, not empty
     * @param timeout how long to wait for the lock, as in {@link #acquire(String, Duration)}
     * @param action starts the work to do under the lock and returns its stage
     * @return a future of the stage's result
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate or
     *     {@code timeout} negative
     */
    default <T> CompletableFuture<T> withLock(String key, Duration timeout,
            Function<? super LockHandle, ? extends CompletionStage<T>> action) {
        Objects.requireNonNull(action, "action");
        return new WithLockCall<>(key, action, r -> { }, acquire(key, timeout)).result;
    }

    /**
     * Runs {@code action} under the lock on {@code key} held in {@code mode}, as
     * {@link #withLock(String, Duration, Function)} does under the exclusive lock.
     *
     * <p>The default implementation calls {@link #acquire(String, LockMode, Duration)} and runs
     * the action when that future completes, wired as {@code withLock} without a mode.
     *
     * @param <T> the result type
     * @param key the lock key, not empty
     * @param mode how to hold the key
     * @param timeout how long to wait for the lock
     * @param action starts the work to do under the lock and returns its stage
     * @return a future of the stage's result
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate, or
     *     {@code timeout} is negative
     * @throws IllegalStateException if the backend cannot take holds in {@code mode}
     */
    default <T> CompletableFuture<T> withLock(String key, LockMode mode, Duration timeout,
            Function<? super LockHandle, ? extends CompletionStage<T>> action) {
        Objects.requireNonNull(action, "action");
        return new WithLockCall<>(key, action, r -> { }, acquire(key, mode, timeout)).result;
    }
}
