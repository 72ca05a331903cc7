package io.github.k3portlock.async;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs future completions on the completion executor, so that user callbacks do not run on the
 * scheduler thread or under a poller's lock. This class is thread-safe.
 *
 * <p>Every task goes through a per-thread trampoline: with a same-thread executor
 * ({@code Runnable::run}), a callback that releases a handle hands the lock to the next waiter,
 * whose callbacks release it again, and so on; without the trampoline that chain would nest one
 * stack frame group per waiter and overflow with thousands of waiters. The trampoline runs such
 * nested tasks one after another instead, once the outer task returns.
 */
final class Completer {
    private static final ThreadLocal<ArrayDeque<Runnable>> NESTED = new ThreadLocal<>();

    private final Executor executor;

    Completer(Executor executor) {
        this.executor = executor;
    }

    /**
     * Hands {@code task} to the completion executor.
     *
     * @return {@code null}, or the exception with which the executor refused the task (it will
     *     then never run)
     */
    RuntimeException dispatch(Runnable task) {
        try {
            executor.execute(() -> trampoline(task));
            return null;
        } catch (RuntimeException rejected) {
            // RejectedExecutionException, or any other refusal: the task will not run.
            return rejected;
        }
    }

    /** Completes {@code waiter}'s future exceptionally on the executor, or here if it refuses. */
    void fail(Waiter waiter, Throwable failure) {
        if (dispatch(() -> waiter.future.completeExceptionally(failure)) != null) {
            // No handle is at stake; completing on this thread beats a future that never completes.
            waiter.future.completeExceptionally(failure);
        }
    }

    static void trampoline(Runnable task) {
        ArrayDeque<Runnable> nested = NESTED.get();
        if (nested != null) {
            nested.add(task);
            return;
        }
        nested = new ArrayDeque<>();
        NESTED.set(nested);
        Throwable first = null;
        try {
            Runnable next = task;
            do {
                try {
                    next.run();
                } catch (Throwable t) {
                    // Keep draining: a queued task may deliver a handle that must not be lost.
                    if (first == null) {
                        first = t;
                    } else {
                        first.addSuppressed(t);
                    }
                }
            } while ((next = nested.poll()) != null);
        } finally {
            NESTED.remove();
        }
        if (first instanceof RuntimeException) {
            throw (RuntimeException) first;
        }
        if (first instanceof Error) {
            throw (Error) first;
        }
    }

    @Override
    public String toString() {
        return executor.toString();
    }
}
