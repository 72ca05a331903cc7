package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.utils.ZKPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A permit acquirer whose lease node is deleted by someone else while it waits: as Curator's
 * {@code InterProcessSemaphoreV2}, it starts over with a new node if the client's retry policy
 * allows, and fails otherwise.
 */
class ZooKeeperLeaseVanishedTest {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

    @Test
    void aVanishedLeaseNodeIsRetriedWhileTheRetryPolicyAllows() throws Exception {
        String key = "vanished-" + UUID.randomUUID();
        CuratorFramework client = ZK.client(10_000); // ExponentialBackoffRetry(50, 3)
        ZooKeeperLocks locks = ZooKeeperLocks.create(client, "/vanished");
        String leases = locks.semaphorePath(key) + "/leases";
        ZooKeeperHandle holder = (ZooKeeperHandle) locks.acquirePermit(key, 1,
                Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
        String holderNode = ZKPaths.getNodeFromPath(holder.nodePath());
        CompletableFuture<LockHandle> waiter = locks.acquirePermit(key, 1, Duration.ofSeconds(60));
        String first = awaitWaiterNode(client, leases, holderNode, null);

        client.delete().forPath(leases + "/" + first);
        String second = awaitWaiterNode(client, leases, holderNode, first);
        assertFalse(waiter.isDone(), "the acquirer gave up: " + waiter);
        holder.release();
        ZooKeeperHandle granted = (ZooKeeperHandle) waiter.get(30, TimeUnit.SECONDS);
        assertEquals(leases + "/" + second, granted.nodePath());
        assertNotEquals(first, second);
        assertEquals(List.of(second), ZkTestSupport.children(client, leases));
        granted.release();
        ZkTestSupport.awaitNoChildren(client, leases);
        ZkTestSupport.awaitNoChildren(client, locks.semaphorePath(key) + "/locks");
        Await.until("no acquirer left", Duration.ofSeconds(10), () -> locks.waitingCount() == 0);
    }

    @Test
    void aVanishedLeaseNodeFailsTheAcquisitionWhenTheRetryPolicyAllowsNoRetry() throws Exception {
        String key = "vanished-" + UUID.randomUUID();
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(ZK.connectString()).sessionTimeoutMs(10_000)
                .retryPolicy(new RetryNTimes(0, 0)).build();
        client.start();
        try {
            ZooKeeperLocks locks = ZooKeeperLocks.create(client, "/vanished");
            String leases = locks.semaphorePath(key) + "/leases";
            ZooKeeperHandle holder = (ZooKeeperHandle) locks.acquirePermit(key, 1,
                    Duration.ofSeconds(10)).get(30, TimeUnit.SECONDS);
            String holderNode = ZKPaths.getNodeFromPath(holder.nodePath());
            CompletableFuture<LockHandle> waiter = locks.acquirePermit(key, 1,
                    Duration.ofSeconds(60));
            String first = awaitWaiterNode(client, leases, holderNode, null);

            client.delete().forPath(leases + "/" + first);
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> waiter.get(30, TimeUnit.SECONDS));
            PortlockException cause = assertInstanceOf(PortlockException.class, e.getCause());
            assertTrue(cause.getMessage().contains("vanished"), cause.getMessage());
            assertTrue(holder.isValid());
            assertEquals(List.of(holderNode), ZkTestSupport.children(client, leases));
            holder.release();
            ZkTestSupport.awaitNoChildren(client, leases);
            ZkTestSupport.awaitNoChildren(client, locks.semaphorePath(key) + "/locks");
            Await.until("no acquirer left", Duration.ofSeconds(10),
                    () -> locks.waitingCount() == 0);
        } finally {
            client.close();
        }
    }

    /** Waits until the leases are the holder's and one other, not {@code not}; returns it. */
    private static String awaitWaiterNode(CuratorFramework client, String leases,
            String holderNode, String not) {
        List<String> found = new ArrayList<>();
        Await.until("the acquirer's lease node", Duration.ofSeconds(30), () -> {
            List<String> now;
            try {
                now = new ArrayList<>(ZkTestSupport.children(client, leases));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            now.remove(holderNode);
            found.clear();
            found.addAll(now);
            return now.size() == 1 && !now.get(0).equals(not);
        });
        return found.get(0);
    }
}
