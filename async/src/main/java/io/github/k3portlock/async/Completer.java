package io.github.k3portlock.async;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs future completions on the completion executor, so that user callbacks do not run on the
 * scheduler thread or under a poller's lock. This class is thread-safe.
 *
 * <p>Every task goes through a per-thread depth guard. With a same-thread executor
 * ({@code Runnable::run}), a callback that releases a handle hands the lock to the next waiter,
 * whose callback releases it again, and so on: each hand-over nests inside the previous callback,
 * and thousands of waiters would overflow the stack. Up to {@link #MAX_DEPTH} nested tasks run at
 * once (so a callback may even block on another acquisition delivered on its own thread); deeper
 * ones are queued and run by the outermost task once it returns.
 */
final class Completer {
    static final int MAX_DEPTH = 16;
    private static final ThreadLocal<Frame> FRAME = new ThreadLocal<>();

    /** The nesting of tasks on one thread. */
    private static final class Frame {
        int depth;
        ArrayDeque<Runnable> deferred;
    }

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
    void fail(Acquisition waiter, Throwable failure) {
        if (dispatch(() -> waiter.future.completeExceptionally(failure)) != null) {
            // No handle is at stake; completing on this thread beats a future that never completes.
            waiter.future.completeExceptionally(failure);
        }
    }

    static void trampoline(Runnable task) {
        Frame frame = FRAME.get();
        if (frame == null) {
            frame = new Frame();
            FRAME.set(frame);
        } else if (frame.depth >= MAX_DEPTH) {
            if (frame.deferred == null) {
                frame.deferred = new ArrayDeque<>();
            }
            frame.deferred.add(task);
            return;
        }
        frame.depth++;
        Throwable first = null;
        try {
            first = runCatching(task, null);
            if (frame.depth == 1 && frame.deferred != null) {
                // Keep draining whatever happens: a queued task may deliver a handle.
                Runnable next;
                while ((next = frame.deferred.poll()) != null) {
                    first = runCatching(next, first);
                }
            }
        } finally {
            if (--frame.depth == 0) {
                FRAME.remove(); // no trace left in the caller's (pooled) threads
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
    }

    private static Throwable runCatching(Runnable task, Throwable first) {
        try {
            task.run();
        } catch (Throwable t) {
            if (first == null) {
                return t;
            }
            first.addSuppressed(t);
        }
        return first;
    }

    @Override
    public String toString() {
        return executor.toString();
    }
}
