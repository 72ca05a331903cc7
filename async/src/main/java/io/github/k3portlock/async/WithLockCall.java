package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One {@link AsyncLocks#withLock withLock} call, for either backend: the acquisition, the action run under the
 * lock, and the result, wired so that the lock is released however the call ends. This class is
 * thread-safe.
 *
 * @param <T> the result type
 */
final class WithLockCall<T> {
    /** Whether the action was called; see {@link #state} for the transitions. */
    enum State { PENDING, RUNNING, CANCELLED }

    /** The acquisition; completed with the handle, cancelled when the result completes first. */
    final CompletableFuture<LockHandle> acquired;
    /** The future returned to the caller. */
    final CompletableFuture<T> result = new CompletableFuture<>();

    private final String key;
    private final Function<? super LockHandle, ? extends CompletionStage<T>> action;
    private final Consumer<CompletableFuture<?>> beforeAction;
    private final AtomicReference<LockHandle> held = new AtomicReference<>();
    /**
     * Whether the action was called. Possible transitions:
     * <pre>
     *   PENDING --(lock delivered, action called)------------&gt; RUNNING
     *   PENDING --(result completed before the action ran)---&gt; CANCELLED
     * </pre>
     * Exactly one of the two wins (a compare-and-set), so the action never starts after the
     * result's hook has released the lock.
     */
    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);

    /**
     * Wires a call to an acquisition of the backend's (completing it stops the wait).
     *
     * @param acquired the acquisition, already started or started by the caller afterwards
     */
    WithLockCall(String key, Function<? super LockHandle, ? extends CompletionStage<T>> action,
            Consumer<CompletableFuture<?>> beforeAction, CompletableFuture<LockHandle> acquired) {
        this.acquired = acquired;
        this.key = key;
        this.action = action;
        this.beforeAction = beforeAction;
        acquired.whenComplete(this::onAcquired);
        result.whenComplete((value, failure) -> onResultDone());
    }

    private void onAcquired(LockHandle handle, Throwable failure) {
        if (failure != null) {
            result.completeExceptionally(failure);
            return;
        }
        held.set(handle);
        beforeAction.accept(result);
        if (!state.compareAndSet(State.PENDING, State.RUNNING)) {
            handle.release(); // the result was completed first: its hook may have missed it
            return;
        }
        CompletionStage<T> stage;
        try {
            stage = action.apply(handle);
            if (stage == null) {
                throw new NullPointerException(
                        "action returned null instead of a CompletionStage for lock '" + key + "'");
            }
        } catch (Throwable t) {
            handle.release();
            result.completeExceptionally(t);
            return;
        }
        stage.whenComplete((value, error) -> {
            // Release first: a dependent of the result may take the same lock and wait for it.
            handle.release();
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                result.complete(value);
            }
        });
    }

    /**
     * The result was completed (by us after releasing, or by the caller): stop a pending
     * acquisition and release a lock already taken. Both are no-ops if already done. If the action
     * runs already (RUNNING), it goes on without the lock, as documented.
     */
    private void onResultDone() {
        state.compareAndSet(State.PENDING, State.CANCELLED);
        acquired.cancel(false);
        LockHandle handle = held.get();
        if (handle != null) {
            handle.release();
        }
    }
}
