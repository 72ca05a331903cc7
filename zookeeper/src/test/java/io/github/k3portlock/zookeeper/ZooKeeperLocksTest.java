package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.contract.AsyncLocksContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.utils.PathUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ZooKeeperLocksTest {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

    private static CuratorFramework client;
    private static CuratorFramework other;
    private static ZooKeeperLocks locks;

    @BeforeAll
    static void connect() {
        client = ZK.client(10_000);
        other = ZK.client(10_000);
        locks = ZooKeeperLocks.create(client, "/locks");
    }

    private static String freshKey() {
        return "zk-" + UUID.randomUUID();
    }

    @Test
    void lockPathEscapesInjectivelyIntoValidPaths() {
        assertEquals("/locks/reports%2Fdaily", locks.lockPath("reports/daily"));
        assertEquals("/locks/plain-key_1.x", locks.lockPath("plain-key_1.x"));
        assertEquals("/locks/%2E", locks.lockPath("."));
        assertEquals("/locks/%2E%2E", locks.lockPath(".."));
        assertEquals("/locks/zookeeper", locks.lockPath("zookeeper"));
        assertEquals("/locks/100%25", locks.lockPath("100%"));
        assertEquals("/locks/a%00b%1F%7F%uD83D%uDE00%uFFFF",
                locks.lockPath("a\u0000b\u001f\u007f\uD83D\uDE00\uffff"));
        List<String> keys = List.of("/", "%", "%2F", "%25", ".", "..", "...", "%2E", "a/b", "a%2Fb",
                "\u0000", "%00", "\uD83D\uDE00", "%uD83D%uDE00", "u", "%u", "é", "日本", " ",
                "lock-", "_c_x-lock-1");
        Set<String> paths = new HashSet<>();
        for (String k : keys) {
            String p = locks.lockPath(k);
            PathUtils.validatePath(p); // throws if ZooKeeper would refuse it
            assertTrue(paths.add(p), "two keys map to " + p);
        }
        // The escaping alone maps any string, valid key or not, to a valid node name.
        for (int i = 0; i < 20_000; i++) {
            char[] cs = new char[1 + ThreadLocalRandom.current().nextInt(4)];
            for (int j = 0; j < cs.length; j++) {
                cs[j] = (char) ThreadLocalRandom.current().nextInt(0x10000);
            }
            PathUtils.validatePath("/locks/" + LockPaths.escape(new String(cs)));
        }
        // A key the port lock rejects is rejected here, with the same message.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> locks.lockPath("a\uD800"));
        assertEquals(assertThrows(IllegalArgumentException.class,
                () -> new Portlock("a\uD800")).getMessage(), e.getMessage());
        assertEquals(List.of("0000000001", "0000000002", "0000000010"), List.of(
                "_c_b-lock-0000000010", "_c_a-lock-0000000002", "x-lock-0000000001").stream()
                .sorted(LockPaths.SEQUENCE_ORDER).map(LockPaths::sequenceOf).toList());
        assertThrows(IllegalArgumentException.class, () -> ZooKeeperLocks.create(client, "/"));
        assertThrows(IllegalArgumentException.class, () -> ZooKeeperLocks.create(client, "locks"));
        assertThrows(IllegalArgumentException.class,
                () -> ZooKeeperLocks.create(client, "/zookeeper/x"));
        assertThrows(IllegalArgumentException.class, () -> ZooKeeperLocks.create(client, "/a/"));
    }

    @Test
    void nodesAreLaidOutAsInterProcessMutexDoesAndTokensGrow() throws Exception {
        String key = freshKey();
        ZooKeeperHandle a = (ZooKeeperHandle) locks.acquire(key, Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
        List<String> names = ZkTestSupport.children(client, locks.lockPath(key));
        assertEquals(1, names.size());
        assertTrue(names.get(0).matches("_c_[0-9a-f-]{36}-lock-\\d{10}"), names.toString());
        assertEquals(locks.lockPath(key) + "/" + names.get(0), a.nodePath());
        assertEquals(List.of(), a.ports());
        a.release();
        ZooKeeperHandle b = (ZooKeeperHandle) locks.acquire(key, Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
        assertTrue(b.fencingToken() > a.fencingToken(), a + " then " + b);
        b.release();
        ZkTestSupport.awaitNoChildren(client, locks.lockPath(key));
    }

    @Test
    void interProcessMutexHolderBlocksUsAndTheOtherWayRound() throws Exception {
        String key = freshKey();
        InterProcessMutex mutex = new InterProcessMutex(other, locks.lockPath(key));
        // Curator holds: we wait, then get it when Curator releases.
        assertTrue(mutex.acquire(5, TimeUnit.SECONDS));
        CompletableFuture<LockHandle> ours = locks.acquire(key, Duration.ofSeconds(10));
        assertThrows(TimeoutException.class, () -> ours.get(300, TimeUnit.MILLISECONDS));
        mutex.release();
        LockHandle h = ours.get(10, TimeUnit.SECONDS);
        assertTrue(h.isValid());
        // We hold: Curator cannot take it, then can once we release.
        assertFalse(mutex.acquire(300, TimeUnit.MILLISECONDS));
        ExecutorService blocking = Executors.newSingleThreadExecutor();
        try {
            var theirs = blocking.submit(() -> mutex.acquire(10, TimeUnit.SECONDS));
            assertThrows(TimeoutException.class, () -> theirs.get(300, TimeUnit.MILLISECONDS));
            h.release();
            assertTrue(theirs.get(10, TimeUnit.SECONDS));
            CompletableFuture<LockHandle> again = locks.acquire(key, Duration.ofMillis(300));
            assertInstanceOf(PortlockTimeoutException.class, AsyncLocksContract.failureOf(again));
            blocking.submit(() -> {
                mutex.release();
                return null;
            }).get(10, TimeUnit.SECONDS);
        } finally {
            blocking.shutdownNow();
        }
        ZkTestSupport.awaitNoChildren(client, locks.lockPath(key));
    }

    @Test
    void twoThousandAcquisitionsRacedAgainstCancelAndTimeoutsLeaveNothing() throws Exception {
        String key = freshKey();
        ExecutorService completion = Executors.newFixedThreadPool(2);
        ZooKeeperLocks racing = ZooKeeperLocks.builder(client, "/race")
                .completionExecutor(completion).build();
        try {
            LockHandle holder = racing.acquire(key, Duration.ofSeconds(10))
                    .get(10, TimeUnit.SECONDS);
            int threadsBefore = Thread.activeCount();
            List<CompletableFuture<LockHandle>> all = new ArrayList<>();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            for (int i = 0; i < 2000; i++) {
                CompletableFuture<LockHandle> f;
                switch (i % 4) {
                    case 0 -> {
                        f = racing.acquire(key);
                        f.cancel(false);
                    }
                    case 1 -> f = racing.acquire(key)
                            .orTimeout(rnd.nextInt(1, 20), TimeUnit.MILLISECONDS);
                    case 2 -> f = racing.acquire(key, Duration.ofMillis(rnd.nextInt(0, 20)));
                    default -> f = racing.acquire(key, Duration.ofSeconds(30)); // cancelled below
                }
                f.whenComplete((h, e) -> {
                    if (h != null) {
                        h.release();
                    }
                });
                all.add(f);
            }
            int threadsWaiting = Thread.activeCount();
            // Release the holder in the middle of it all, then cancel the long waiters.
            holder.release();
            for (int i = 3; i < all.size(); i += 4) {
                all.get(i).cancel(false);
            }
            CompletableFuture<Void> every = CompletableFuture.allOf(all.stream()
                    .map(f -> f.handle((h, e) -> null)).toArray(CompletableFuture<?>[]::new));
            every.get(60, TimeUnit.SECONDS);
            assertTrue(all.stream().allMatch(CompletableFuture::isDone));
            ZkTestSupport.awaitNoChildren(client, racing.lockPath(key));
            ZkTestSupport.awaitTrue("no waiter left", Duration.ofSeconds(10),
                    () -> racing.waitingCount() == 0);
            assertTrue(threadsWaiting - threadsBefore <= 4,
                    "threads grew from " + threadsBefore + " to " + threadsWaiting
                            + " with 2000 waiters");
            // The key is free afterwards.
            racing.acquire(key, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS).release();
        } finally {
            completion.shutdown();
        }
    }

    @Test
    void aThousandWaitersCostNoMoreThreadsThanOne() throws Exception {
        String key = freshKey();
        LockHandle holder = locks.acquire(key, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);
        CompletableFuture<LockHandle> one = locks.acquire(key);
        ZkTestSupport.awaitTrue("first waiter watching", Duration.ofSeconds(10),
                () -> childCount(key) == 2);
        int withOne = Thread.activeCount();
        List<CompletableFuture<LockHandle>> many = new ArrayList<>();
        for (int i = 0; i < 999; i++) {
            many.add(locks.acquire(key));
        }
        ZkTestSupport.awaitTrue("1,000 waiters queued", Duration.ofSeconds(30),
                () -> childCount(key) == 1001);
        int withThousand = Thread.activeCount();
        assertTrue(withThousand <= withOne,
                withOne + " threads with one waiter, " + withThousand + " with 1,000");
        many.forEach(f -> f.cancel(false));
        one.cancel(false);
        holder.release();
        ZkTestSupport.awaitNoChildren(client, locks.lockPath(key));
    }

    private static int childCount(String key) {
        try {
            return ZkTestSupport.children(client, locks.lockPath(key)).size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void unreachableEnsembleAtAcquireFailsWithinTheTimeoutNamingTheConnection() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed at once: nothing listens there
        }
        CuratorFramework c = ZkTestSupport.client("127.0.0.1:" + port, 3000);
        try {
            ZooKeeperLocks dead = ZooKeeperLocks.create(c, "/locks");
            long t0 = System.nanoTime();
            Throwable t = AsyncLocksContract.failureOf(
                    dead.acquire(freshKey(), Duration.ofMillis(500)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class, t);
            assertTrue(e.getMessage().contains("ensemble unreachable"), e.getMessage());
            assertTrue(ms < 2000, "took " + ms + " ms for a 500 ms timeout");
        } finally {
            c.close();
        }
    }

    @Test
    void anUnstartedClientIsMisuse() throws Exception {
        CuratorFramework c = org.apache.curator.framework.CuratorFrameworkFactory.newClient(
                ZK.connectString(), new org.apache.curator.retry.RetryOneTime(10));
        try {
            ZooKeeperLocks l = ZooKeeperLocks.create(c, "/locks");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> l.acquire("k"));
            assertTrue(e.getMessage().contains("LATENT"), e.getMessage());
            assertNotEquals("", e.getMessage());
        } finally {
            c.close();
        }
    }
}
