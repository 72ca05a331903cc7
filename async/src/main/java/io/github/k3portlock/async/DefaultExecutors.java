package io.github.k3portlock.async;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared, lazily created daemon scheduler and completion pool of the default instance. */
final class DefaultExecutors {
    /** How long an idle completion thread lives before it ends. */
    static final long COMPLETION_IDLE_SECONDS = 30;

    private DefaultExecutors() {
    }

    static ScheduledExecutorService scheduler() {
        return SchedulerHolder.INSTANCE;
    }

    static Executor completion() {
        return CompletionHolder.INSTANCE;
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class SchedulerHolder {
        static final ScheduledThreadPoolExecutor INSTANCE;

        static {
            INSTANCE = new ScheduledThreadPoolExecutor(1, daemonThreads("k3portlock-async-scheduler"));
            // Cancelled attempts leave the queue at once instead of piling up until their time.
            INSTANCE.setRemoveOnCancelPolicy(true);
        }
    }

    private static final class CompletionHolder {
        static final ThreadPoolExecutor INSTANCE;

        static {
            // Unbounded, with no queue: a task never waits behind a blocked callback. A bounded
            // pool deadlocks as soon as all its threads block on acquisitions (or their timeouts)
            // whose completions are queued behind them.
            INSTANCE = new ThreadPoolExecutor(0, Integer.MAX_VALUE, COMPLETION_IDLE_SECONDS,
                    TimeUnit.SECONDS, new SynchronousQueue<>(),
                    daemonThreads("k3portlock-async-completion"));
        }
    }
}
