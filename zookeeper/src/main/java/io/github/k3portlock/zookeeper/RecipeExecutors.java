package io.github.k3portlock.zookeeper;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads every {@link ZooKeeperLocks} shares: one daemon timer for timeouts, and the default
 * completion pool (unbounded daemon threads, ended after 30 s idle). Each is created when first
 * used.
 */
final class RecipeExecutors {
    private RecipeExecutors() {
    }

    static ScheduledThreadPoolExecutor timer() {
        return TimerHolder.TIMER;
    }

    static ThreadPoolExecutor completion() {
        return CompletionHolder.COMPLETION;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static final class TimerHolder {
        static final ScheduledThreadPoolExecutor TIMER;

        static {
            TIMER = new ScheduledThreadPoolExecutor(1, daemonThreads("k3portlock-zk-timer"));
            TIMER.setRemoveOnCancelPolicy(true);
        }
    }

    private static final class CompletionHolder {
        static final ThreadPoolExecutor COMPLETION = new ThreadPoolExecutor(0, Integer.MAX_VALUE,
                30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                daemonThreads("k3portlock-zk-completion"));
    }
}
