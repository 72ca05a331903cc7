package io.github.k3portlock.bench;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;

/**
 * {@code ZooKeeperLocks} beside Curator's blocking {@code InterProcessMutex}, in one run, on one
 * ZooKeeper server: uncontended acquire+release, hand-over between two clients with separate
 * sessions (two {@code CuratorFramework}s in this JVM), and the threads 1,000 waiting
 * acquisitions take.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.github.k3portlock.bench.ZooKeeperBench
 * [CONNECT]}; without a connect string it starts curator-test's in-process {@code TestingServer}.
 * Options: {@code --rounds N} (samples per figure, default 2000), {@code --waiters N} (default
 * 1000). Prints a Markdown table.
 */
public final class ZooKeeperBench {
    /** One figure per backend. */
    public record Figures(long uncontendedP50, long handoffP50, long handoffP99,
            int threadsOneWaiter, int threadsManyWaiters, long drainNanos) {
    }

    /** One lock under measure, used by one thread at a time: acquire blocks until held. */
    private interface Side {
        void lock() throws Exception;

        void unlock() throws Exception;
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final CuratorFramework a;
    private final CuratorFramework b;
    private final CuratorFramework observer;
    private final ZooKeeperLocks locksA;
    private final ZooKeeperLocks locksB;
    private final String root = "/bench-" + UUID.randomUUID();

    private ZooKeeperBench(String connect) throws InterruptedException {
        a = client(connect);
        b = client(connect);
        observer = client(connect);
        locksA = ZooKeeperLocks.create(a, root);
        locksB = ZooKeeperLocks.create(b, root);
    }

    private static CuratorFramework client(String connect) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.newClient(connect, 30_000, 15_000,
                new RetryOneTime(100));
        c.start();
        if (!c.blockUntilConnected(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("cannot reach ZooKeeper at " + connect);
        }
        return c;
    }

    private void close() {
        observer.close();
        b.close();
        a.close();
    }

    private String key(String what) {
        return what + "-" + UUID.randomUUID();
    }

    private Side ours(ZooKeeperLocks locks, String key) {
        LockHandle[] held = new LockHandle[1];
        return new Side() {
            @Override
            public void lock() throws Exception {
                held[0] = locks.acquire(key).get();
            }

            @Override
            public void unlock() {
                held[0].release();
            }
        };
    }

    private static Side curator(InterProcessMutex m) {
        return new Side() {
            @Override
            public void lock() throws Exception {
                m.acquire();
            }

            @Override
            public void unlock() throws Exception {
                m.release();
            }
        };
    }

    /** Uncontended acquire+release, same key each time: nanoseconds per pair, per round. */
    private static long[] uncontended(Side s, int rounds) throws Exception {
        long[] t = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            s.lock();
            s.unlock();
            t[i] = System.nanoTime() - start;
        }
        return t;
    }

    /**
     * Hand-over: two threads, each with its own side (client, session), take turns; the holder
     * waits until the other's node is queued, then releases; a sample is the time from the
     * release call to the other's lock() returning.
     */
    private long[] handoff(Side x, Side y, String key, int rounds) throws Exception {
        String path = locksA.lockPath(key);
        long[] samples = new long[rounds];
        AtomicInteger taken = new AtomicInteger();
        AtomicInteger sampled = new AtomicInteger();
        long[] releasedAt = {0};
        Object mon = new Object();
        List<Throwable> failures = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(2);
        for (Side s : List.of(x, y)) {
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        s.lock();
                        long now = System.nanoTime();
                        long since;
                        synchronized (mon) {
                            since = releasedAt[0];
                        }
                        if (since != 0) {
                            int i = sampled.getAndIncrement();
                            if (i < rounds) {
                                samples[i] = now - since;
                            }
                        }
                        if (taken.incrementAndGet() > rounds) {
                            synchronized (mon) {
                                releasedAt[0] = 0;
                            }
                            s.unlock();
                            return;
                        }
                        // Wait (outside the timed part) until the other side's node is queued.
                        while (observer.getChildren().forPath(path).size() < 2) {
                            LockSupport.parkNanos(50_000);
                        }
                        synchronized (mon) {
                            releasedAt[0] = System.nanoTime();
                        }
                        s.unlock();
                    }
                } catch (Throwable e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                } finally {
                    done.countDown();
                }
            }, "handoff");
            t.setDaemon(true);
            t.start();
        }
        if (!done.await(10, TimeUnit.MINUTES) || !failures.isEmpty()) {
            throw new IllegalStateException("hand-over did not finish: " + failures);
        }
        int n = Math.min(sampled.get(), rounds);
        long[] out = new long[n];
        System.arraycopy(samples, 0, out, 0, n);
        return out;
    }

    /**
     * The JVM's live threads with {@code n} acquisitions of ours waiting behind a holder, then the
     * time to grant and release them all.
     */
    private long[] oursWaiters(int n) throws Exception {
        String key = key("waiters");
        LockHandle holder = locksA.acquire(key).get();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(locksB.acquire(key).thenAccept(LockHandle::release));
        }
        awaitNodes(locksA.lockPath(key), n + 1);
        int threads = THREADS.getThreadCount();
        long start = System.nanoTime();
        holder.release();
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(10, TimeUnit.MINUTES);
        return new long[] {threads, System.nanoTime() - start};
    }

    /** The same with {@code InterProcessMutex}: a blocked thread per waiter. */
    private long[] curatorWaiters(int n) throws Exception {
        String key = key("waiters");
        String path = locksA.lockPath(key);
        InterProcessMutex holder = new InterProcessMutex(a, path);
        holder.acquire();
        InterProcessMutex shared = new InterProcessMutex(b, path);
        CountDownLatch done = new CountDownLatch(n);
        List<Thread> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try {
                    shared.acquire();
                    shared.release();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                } finally {
                    done.countDown();
                }
            }, "ipm-waiter");
            t.setDaemon(true);
            t.start();
            started.add(t);
        }
        awaitNodes(path, n + 1);
        int threads = THREADS.getThreadCount();
        long start = System.nanoTime();
        holder.release();
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("InterProcessMutex waiters did not finish");
        }
        long drain = System.nanoTime() - start;
        for (Thread t : started) {
            t.join();
        }
        return new long[] {threads, drain};
    }

    private void awaitNodes(String path, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (observer.checkExists().forPath(path) == null
                || observer.getChildren().forPath(path).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("never saw " + count + " nodes under " + path);
            }
            Thread.sleep(5);
        }
    }

    /** Measures both backends, interleaved figure by figure. Index 0: ours; 1: Curator's. */
    private Figures[] measure(int rounds, int waiters) throws Exception {
        // Warm-up: a tenth of the rounds of each, discarded.
        int warm = Math.max(10, rounds / 10);
        uncontended(ours(locksA, key("warm")), warm);
        uncontended(curator(new InterProcessMutex(a, locksA.lockPath(key("warm")))), warm);
        String wk = key("warm");
        handoff(ours(locksA, wk), ours(locksB, wk), wk, warm);
        String wk2 = key("warm");
        handoff(curator(new InterProcessMutex(a, locksA.lockPath(wk2))),
                curator(new InterProcessMutex(b, locksA.lockPath(wk2))), wk2, warm);

        long[] uo = uncontended(ours(locksA, key("u")), rounds);
        long[] uc = uncontended(curator(new InterProcessMutex(a, locksA.lockPath(key("u")))),
                rounds);
        String hk = key("h");
        long[] ho = handoff(ours(locksA, hk), ours(locksB, hk), hk, rounds);
        String hk2 = key("h");
        long[] hc = handoff(curator(new InterProcessMutex(a, locksA.lockPath(hk2))),
                curator(new InterProcessMutex(b, locksA.lockPath(hk2))), hk2, rounds);
        long[] o1 = oursWaiters(1);
        long[] on = oursWaiters(waiters);
        long[] c1 = curatorWaiters(1);
        long[] cn = curatorWaiters(waiters);
        return new Figures[] {
            new Figures(Stats.quantile(uo, 0.5), Stats.quantile(ho, 0.5), Stats.quantile(ho, 0.99),
                    (int) o1[0], (int) on[0], on[1]),
            new Figures(Stats.quantile(uc, 0.5), Stats.quantile(hc, 0.5), Stats.quantile(hc, 0.99),
                    (int) c1[0], (int) cn[0], cn[1]),
        };
    }

    /**
     * Runs the benchmark against {@code connect} and returns the figures (index 0 ours, 1
     * Curator's {@code InterProcessMutex}).
     *
     * @param connect a ZooKeeper connect string
     * @param rounds samples per latency figure
     * @param waiters waiting acquisitions for the thread count
     * @return the figures
     * @throws Exception if ZooKeeper fails
     */
    public static Figures[] run(String connect, int rounds, int waiters) throws Exception {
        ZooKeeperBench bench = new ZooKeeperBench(connect);
        try {
            return bench.measure(rounds, waiters);
        } finally {
            bench.close();
        }
    }

    /**
     * Entry point.
     *
     * @param args {@code [--rounds N] [--waiters N] [CONNECT]}
     * @throws Exception if the run fails
     */
    public static void main(String[] args) throws Exception {
        int rounds = 2000;
        int waiters = 1000;
        String connect = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--waiters" -> waiters = Integer.parseInt(args[++i]);
                default -> connect = args[i];
            }
        }
        TestingServer server = connect == null ? new TestingServer(true) : null;
        try {
            String where = connect != null ? connect : server.getConnectString();
            Figures[] f = run(where, rounds, waiters);
            System.out.printf(Locale.ROOT, "ZooKeeper at %s (%s), %d rounds, %d waiters; java %s,"
                    + " %d cores%n%n", where,
                    connect == null ? "in-process TestingServer" : "given",
                    rounds, waiters, System.getProperty("java.version"),
                    Runtime.getRuntime().availableProcessors());
            System.out.println("| | ZooKeeperLocks | InterProcessMutex | ratio |");
            System.out.println("|---|---|---|---|");
            row("uncontended acquire+release p50", f[0].uncontendedP50(), f[1].uncontendedP50());
            row("hand-over p50 (2 clients, 2 sessions)", f[0].handoffP50(), f[1].handoffP50());
            row("hand-over p99", f[0].handoffP99(), f[1].handoffP99());
            System.out.printf(Locale.ROOT, "| JVM threads, 1 waiter | %d | %d | |%n",
                    f[0].threadsOneWaiter(), f[1].threadsOneWaiter());
            System.out.printf(Locale.ROOT, "| JVM threads, %d waiters | %d | %d | |%n", waiters,
                    f[0].threadsManyWaiters(), f[1].threadsManyWaiters());
            row("grant+release all " + waiters + " waiters", f[0].drainNanos(), f[1].drainNanos());
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private static void row(String what, long ours, long theirs) {
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %.2f× |%n", what, Stats.time(ours),
                Stats.time(theirs), (double) ours / theirs);
    }
}
