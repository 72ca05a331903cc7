package io.github.k3portlock.bench;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.AsyncPortlock;
import io.github.k3portlock.PortlockException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Figure 5, the cost of waiting: N acquisitions wait on keys another process holds; this
 * measures the CPU the waiting process burns per second and the memory each waiter takes.
 * The waiters are started, left to settle into their steady polling rhythm, measured over a
 * window, then cancelled, and the process must get back every descriptor it opened.
 */
public final class WaitCostBench {
    private WaitCostBench() {
    }

    /** How the waiters wait. */
    public enum Mode {
        /** One platform thread per waiter blocked in {@link Portlock#acquire()} (10 ms polling). */
        THREADS("Portlock.acquire, one platform thread each (baseline)"),
        /** {@link AsyncPortlock#create()}{@code .acquire(key)}: a future each, no thread. */
        ASYNC("AsyncPortlock.acquire(key)");

        private final String label;

        Mode(String label) {
            this.label = label;
        }

        /**
         * Returns the row label.
         *
         * @return a description
         */
        public String label() {
            return label;
        }

        /**
         * Returns the command-line name.
         *
         * @return e.g. {@code threads}
         */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses a command-line name.
         *
         * @param id e.g. {@code threads}
         * @return the mode
         */
        public static Mode of(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT));
        }
    }

    /** The waiters of one run, whatever their mode. */
    interface Waiters {
        /**
         * Counts the waiters still waiting.
         *
         * @return how many have neither acquired nor failed
         */
        int pending();

        /**
         * Stops every waiter and waits until each has stopped.
         *
         * @throws InterruptedException if interrupted
         */
        void cancelAll() throws InterruptedException;
    }

    /**
     * Starts {@code n} waiters over {@code keys} (round robin), lets them settle, measures, and
     * cancels them.
     *
     * @param mode how they wait
     * @param keys the held keys
     * @param n how many waiters
     * @param settle how long to let them run before measuring
     * @param window how long to measure CPU over
     * @return {@code {pending, cpuNanos, windowNanos, heapBytes, rssBytes, threads, fdsLeft}}:
     *     waiters still pending at the end of the window, process CPU in the window, the
     *     window, heap and resident memory and live threads added by the waiters, and
     *     descriptors still open after the cancellation minus before the start (must be 0)
     * @throws Exception if a waiter fails
     */
    public static long[] measure(Mode mode, List<String> keys, int n, Duration settle,
            Duration window) throws Exception {
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                ManagementFactory.getOperatingSystemMXBean();
        long heap0 = usedHeapAfterGc();
        long rss0 = rss();
        int threads0 = Thread.activeCount();
        long fds0 = socketFds();
        Waiters waiters = start(mode, keys, n);
        Thread.sleep(settle.toMillis());
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        long cpu1 = os.getProcessCpuTime();
        long t1 = System.nanoTime();
        long heap1 = usedHeapAfterGc();
        long rss1 = rss();
        int threads1 = Thread.activeCount();
        int pending = waiters.pending();
        waiters.cancelAll();
        long fdsLeft = awaitFds(fds0, Duration.ofSeconds(30)) - fds0;
        return new long[] {pending, cpu1 - cpu0, t1 - t0, heap1 - heap0, rss1 - rss0,
            threads1 - threads0, fdsLeft};
    }

    private static Waiters start(Mode mode, List<String> keys, int n) {
        switch (mode) {
            case THREADS:
                return threads(keys, n);
            case ASYNC:
                return async(keys, n);
            default:
                throw new AssertionError(mode);
        }
    }

    private static Waiters async(List<String> keys, int n) {
        AsyncPortlock locks = AsyncPortlock.create();
        List<CompletableFuture<LockHandle>> futures = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            futures.add(locks.acquire(keys.get(i % keys.size())));
        }
        return new Waiters() {
            @Override
            public int pending() {
                return (int) futures.stream().filter(f -> !f.isDone()).count();
            }

            @Override
            public void cancelAll() {
                for (CompletableFuture<LockHandle> f : futures) {
                    if (!f.cancel(false) && !f.isCompletedExceptionally()) {
                        f.join().release(); // acquired meanwhile: give it back
                    }
                }
            }
        };
    }

    private static Waiters threads(List<String> keys, int n) {
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Portlock lock = new Portlock(keys.get(i % keys.size()), Duration.ofHours(1));
            Thread t = new Thread(null, () -> {
                try {
                    lock.acquire();
                    lock.release();
                } catch (PortlockException e) {
                    // interrupted by cancelAll: the expected end of the wait
                }
            }, "waiter-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
        return new Waiters() {
            @Override
            public int pending() {
                return (int) threads.stream().filter(Thread::isAlive).count();
            }

            @Override
            public void cancelAll() throws InterruptedException {
                for (Thread t : threads) {
                    t.interrupt();
                }
                for (Thread t : threads) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                }
            }
        };
    }

    /**
     * Returns the heap in use just after a full collection: the pools' usage as the collector left
     * it, not as read later. Waiters that poll allocate (each failed bind builds an exception),
     * and a plain {@code totalMemory() - freeMemory()} would count that garbage.
     *
     * @return live heap bytes
     */
    static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    /**
     * Returns this process's resident set size from {@code /proc/self/status}.
     *
     * @return bytes, or 0 if unknown
     */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: the figure is reported as 0
        }
        return 0;
    }

    /**
     * Counts this process's open socket descriptors (jar and other files come and go on the
     * JVM's own schedule and are not the lock's).
     *
     * @return the number of {@code socket:} descriptors
     */
    static long socketFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
    }

    private static long awaitFds(long expected, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        long fds;
        while ((fds = socketFds()) > expected && System.nanoTime() - end < 0) {
            Thread.sleep(10);
        }
        return fds;
    }
}
