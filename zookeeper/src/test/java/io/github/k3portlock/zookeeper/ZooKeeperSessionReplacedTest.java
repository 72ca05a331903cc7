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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Waiters whose session is replaced (expired, then a new session) while their completion executor
 * is slow: each of them fails, none is granted the node its old session created, and there are
 * never two valid holders.
 */
class ZooKeeperSessionReplacedTest {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

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
    void everyWaiterOfAReplacedSessionFailsAndNeverTwoHoldersAreValid() throws Exception {
        String key = "replaced-" + UUID.randomUUID();
        CuratorFramework holderClient = ZK.client(3000);
        CuratorFramework waiterClient = ZK.client(3000);
        CuratorFramework otherClient = ZK.client(3000);
        ZooKeeperLocks holderLocks = ZooKeeperLocks.create(holderClient, "/replaced");
        ZooKeeperLocks waiterLocks = ZooKeeperLocks.builder(waiterClient, "/replaced")
                .completionExecutor(LATE).build();
        ZooKeeperLocks otherLocks = ZooKeeperLocks.create(otherClient, "/replaced");
        LockHandle holder = holderLocks.acquire(key, Duration.ofSeconds(10))
                .get(30, TimeUnit.SECONDS);
        List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            waiters.add(waiterLocks.acquire(key, Duration.ofSeconds(60)));
        }
        Await.until("20 waiters queued", Duration.ofSeconds(30),
                () -> childCount(holderClient, holderLocks.lockPath(key)) == 21);

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
        holder.release();
        CompletableFuture<LockHandle> other = otherLocks.acquire(key, Duration.ofSeconds(30));

        // Every waiter ends; none may hold the lock alongside the other client.
        CompletableFuture.allOf(waiters.stream().map(f -> f.handle((h, e) -> null))
                .toArray(CompletableFuture<?>[]::new)).get(30, TimeUnit.SECONDS);
        ZooKeeperHandle otherHandle = (ZooKeeperHandle) other.get(30, TimeUnit.SECONDS);
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
        assertTrue(otherHandle.isValid());
        assertEquals(List.of(), validWaiters, "two valid holders: " + otherHandle + " and these");
        assertEquals(0, granted, "a waiter of the replaced session was granted a lock");
        for (CompletableFuture<LockHandle> f : waiters) {
            PortlockException e = assertInstanceOf(PortlockException.class,
                    f.handle((h, t) -> t).join());
            assertTrue(e.getMessage().contains("session"), e.getMessage());
        }
        otherHandle.release();
        ZkTestSupport.awaitNoChildren(otherClient, otherLocks.lockPath(key));
        Await.until("no waiter left", Duration.ofSeconds(10),
                () -> waiterLocks.waitingCount() == 0);
    }

    private static int childCount(CuratorFramework client, String path) {
        try {
            return ZkTestSupport.children(client, path).size();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
