package io.github.k3portlock.async;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared, lazily created daemon scheduler and completion pool of the default instance. */
final class Defaults {
    /** Completion threads: enough that a few blocking callbacks do not stall every waiter. */
    static final int COMPLETION_THREADS = Math.max(4, Runtime.getRuntime().availableProcessors());

    private Defaults() {
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
            INSTANCE = new ThreadPoolExecutor(COMPLETION_THREADS, COMPLETION_THREADS, 10,
                    TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    daemonThreads("k3portlock-async-completion"));
            INSTANCE.allowCoreThreadTimeOut(true);
        }
    }
}
