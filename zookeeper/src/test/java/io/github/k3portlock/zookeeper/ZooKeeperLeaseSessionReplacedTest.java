package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Permit acquirers whose session is replaced (expired, then a new session) while their
 * completion executor is slow: each of them fails, none is granted a lease node its old session
 * created, and there are never more valid permit handles than permits.
 */
class ZooKeeperLeaseSessionReplacedTest {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

    private static final int PERMITS = 2;
    private static final int WAITERS = 20;

    private static ScheduledExecutorService delays;

    @BeforeAll
    static void startDelays() {
        delays = Executors.newScheduledThreadPool(2);
    }

    @AfterAll
    static void stopDelays() {
        delays.shutdownNow();
    }

    /** Slow but correct: runs every task 0 to 100 ms late. */
    private static final Executor LATE = task -> delays.schedule(task,
            ThreadLocalRandom.current().nextInt(101), TimeUnit.MILLISECONDS);

    @RepeatedTest(3)
    void everyAcquirerOfAReplacedSessionFailsAndNeverMoreValidPermitsThanPermits()
            throws Exception {
        String key = "lease-replaced-" + UUID.randomUUID();
        CuratorFramework holderClient = ZK.client(3000);
        CuratorFramework waiterClient = ZK.client(3000);
        CuratorFramework otherClient = ZK.client(3000);
        ZooKeeperLocks holderLocks = ZooKeeperLocks.create(holderClient, "/lease-replaced");
        ZooKeeperLocks waiterLocks = ZooKeeperLocks.builder(waiterClient, "/lease-replaced")
                .completionExecutor(LATE).build();
        ZooKeeperLocks otherLocks = ZooKeeperLocks.create(otherClient, "/lease-replaced");
        String leases = holderLocks.semaphorePath(key) + "/leases";
        String mutex = holderLocks.semaphorePath(key) + "/locks";
        List<LockHandle> holders = new ArrayList<>();
        for (int i = 0; i < PERMITS; i++) {
            holders.add(holderLocks.acquirePermit(key, PERMITS, Duration.ofSeconds(10))
                    .get(30, TimeUnit.SECONDS));
        }
        List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
        for (int i = 0; i < WAITERS; i++) {
            waiters.add(waiterLocks.acquirePermit(key, PERMITS, Duration.ofSeconds(60)));
        }
        // One acquirer counts the leases (holding the semaphore's mutex), the others queue on it.
        Await.until("the acquirers queued", Duration.ofSeconds(30),
                () -> childCount(holderClient, leases) == PERMITS + 1
                        && childCount(holderClient, mutex) == WAITERS);

        CountDownLatch reconnected = new CountDownLatch(1);
        waiterClient.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.RECONNECTED) {
                reconnected.countDown();
            }
        });
        long oldSession = waiterClient.getZookeeperClient().getZooKeeper().getSessionId();
        waiterClient.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
        assertTrue(reconnected.await(30, TimeUnit.SECONDS), "no new session");
        assertTrue(oldSession != waiterClient.getZookeeperClient().getZooKeeper().getSessionId());
        for (LockHandle h : holders) {
            h.release();
        }
        List<CompletableFuture<LockHandle>> others = new ArrayList<>();
        for (int i = 0; i < PERMITS; i++) {
            others.add(otherLocks.acquirePermit(key, PERMITS, Duration.ofSeconds(30)));
        }

        // Every acquirer ends; none may hold a permit beside the other client's.
        CompletableFuture.allOf(waiters.stream().map(f -> f.handle((h, e) -> null))
                .toArray(CompletableFuture<?>[]::new)).get(30, TimeUnit.SECONDS);
        List<LockHandle> otherHandles = new ArrayList<>();
        for (CompletableFuture<LockHandle> f : others) {
            otherHandles.add(f.get(30, TimeUnit.SECONDS));
        }
        // The old session's nodes are gone from the server by now (its session timed out).
        Await.until("only the other client's leases left", Duration.ofSeconds(30),
                () -> childCount(holderClient, leases) == PERMITS);
        List<String> validWaiters = new ArrayList<>();
        int granted = 0;
        for (CompletableFuture<LockHandle> f : waiters) {
            if (!f.isCompletedExceptionally()) {
                granted++;
                LockHandle h = f.join();
                if (h.isValid()) {
                    validWaiters.add(h.toString());
                }
            }
        }
        for (LockHandle h : otherHandles) {
            assertTrue(h.isValid(), h.toString());
        }
        assertEquals(List.of(), validWaiters, "more than " + PERMITS + " valid permits: "
                + otherHandles + " and these");
        assertEquals(0, granted, "an acquirer of the replaced session was granted a permit");
        for (CompletableFuture<LockHandle> f : waiters) {
            PortlockException e = assertInstanceOf(PortlockException.class,
                    f.handle((h, t) -> t).join());
            assertTrue(e.getMessage().contains("session"), e.getMessage());
        }
        for (LockHandle h : otherHandles) {
            h.release();
        }
        ZkTestSupport.awaitNoChildren(otherClient, leases);
        ZkTestSupport.awaitNoChildren(otherClient, mutex);
        Await.until("no acquirer left", Duration.ofSeconds(10),
                () -> waiterLocks.waitingCount() == 0);
    }

    /**
     * Curator calls a client's connection-state listeners one after the other: a user's listener
     * that is slow on LOST keeps ours from hearing of it while the new session already serves
     * requests. A count that was in flight when the session ended is retried in the new session
     * (re-arming its watch there), so the acquirer counts its old session's node, which the
     * server keeps for a session timeout.
     */
    @RepeatedTest(5)
    void aSlowListenerOpensNoWindowForAStaleLease() throws Exception {
        String key = "lease-slow-listener-" + UUID.randomUUID();
        CuratorFramework holderClient = ZK.client(3000);
        CuratorFramework waiterClient = ZK.client(3000);
        CuratorFramework otherClient = ZK.client(3000);
        CountDownLatch letLostThrough = new CountDownLatch(1);
        waiterClient.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.LOST) {
                try {
                    letLostThrough.await(60, TimeUnit.SECONDS); // a user's slow listener
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ZooKeeperLocks holderLocks = ZooKeeperLocks.create(holderClient, "/lease-replaced");
        ZooKeeperLocks waiterLocks = ZooKeeperLocks.builder(waiterClient, "/lease-replaced")
                .completionExecutor(LATE).build();
        ZooKeeperLocks otherLocks = ZooKeeperLocks.create(otherClient, "/lease-replaced");
        String leases = holderLocks.semaphorePath(key) + "/leases";
        String mutex = holderLocks.semaphorePath(key) + "/locks";
        List<LockHandle> holders = new ArrayList<>();
        for (int i = 0; i < PERMITS; i++) {
            holders.add(holderLocks.acquirePermit(key, PERMITS, Duration.ofSeconds(10))
                    .get(30, TimeUnit.SECONDS));
        }
        List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(waiterLocks.acquirePermit(key, PERMITS, Duration.ofSeconds(60)));
        }
        Await.until("the acquirers queued", Duration.ofSeconds(30),
                () -> childCount(holderClient, leases) == PERMITS + 1
                        && childCount(holderClient, mutex) == 5);
        LockHandle other;
        int validAtOtherGrant = 0;
        try {
            // A foreign node makes the acquirer count (and stay out); its session ends while
            // that count is on its way: on the same event thread, with the same notification.
            ZooKeeper old = waiterClient.getZookeeperClient().getZooKeeper();
            long oldSession = old.getSessionId();
            waiterClient.getChildren().usingWatcher((Watcher) e -> {
                if (e.getType() == Watcher.Event.EventType.NodeChildrenChanged) {
                    old.getTestable().injectSessionExpiration();
                }
            }).forPath(leases);
            otherClient.create().forPath(leases + "/foreign");
            Await.until("a new session", Duration.ofSeconds(30), () -> {
                long now = sessionOf(waiterClient);
                return now != 0 && now != oldSession;
            });
            otherClient.delete().forPath(leases + "/foreign");
            holders.remove(0).release(); // now at most PERMITS leases, counting the old node
            other = otherLocks.acquirePermit(key, PERMITS, Duration.ofSeconds(30))
                    .get(60, TimeUnit.SECONDS);
            for (LockHandle h : holders) {
                validAtOtherGrant += h.isValid() ? 1 : 0;
            }
            validAtOtherGrant += other.isValid() ? 1 : 0;
            for (CompletableFuture<LockHandle> f : waiters) {
                if (f.isDone() && !f.isCompletedExceptionally() && f.join().isValid()) {
                    validAtOtherGrant++;
                }
            }
        } finally {
            letLostThrough.countDown();
        }
        assertTrue(validAtOtherGrant <= PERMITS, validAtOtherGrant + " valid permit handles");
        CompletableFuture.allOf(waiters.stream().map(f -> f.handle((h, e) -> null))
                .toArray(CompletableFuture<?>[]::new)).get(30, TimeUnit.SECONDS);
        for (CompletableFuture<LockHandle> f : waiters) {
            PortlockException e = assertInstanceOf(PortlockException.class,
                    f.handle((h, t) -> t).join(), "an acquirer of the replaced session got one");
            assertTrue(e.getMessage().contains("session"), e.getMessage());
        }
        other.release();
        for (LockHandle h : holders) {
            h.release();
        }
        ZkTestSupport.awaitNoChildren(otherClient, leases);
        ZkTestSupport.awaitNoChildren(otherClient, mutex);
        Await.until("no acquirer left", Duration.ofSeconds(10),
                () -> waiterLocks.waitingCount() == 0);
    }

    private static long sessionOf(CuratorFramework client) {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            return 0;
        }
    }

    private static int childCount(CuratorFramework client, String path) {
        try {
            return ZkTestSupport.children(client, path).size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
