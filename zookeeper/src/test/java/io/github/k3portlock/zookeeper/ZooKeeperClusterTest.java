package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.async.contract.AsyncLocksContract;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/** A three-server ensemble: the holder's server stops while it holds the lock. */
class ZooKeeperClusterTest {

    @Test
    void stoppingTheHoldersServerInvalidatesItsHandleAndTheWaiterContinues() throws Exception {
        try (TestingCluster cluster = new TestingCluster(3)) {
            cluster.start();
            CuratorFramework holderClient = ZkTestSupport.client(cluster.getConnectString(), 6000);
            holderClient.blockUntilConnected(20, TimeUnit.SECONDS);
            InstanceSpec holderServer = cluster.findConnectionInstance(
                    holderClient.getZookeeperClient().getZooKeeper());
            assertNotNull(holderServer);
            String others = cluster.getInstances().stream().filter(s -> !s.equals(holderServer))
                    .map(s -> "127.0.0.1:" + s.getPort()).collect(Collectors.joining(","));
            CuratorFramework waiterClient = ZkTestSupport.client(others, 6000);
            try {
                String key = "cluster-" + UUID.randomUUID();
                ZooKeeperLocks holderLocks = ZooKeeperLocks.create(holderClient, "/cluster");
                ZooKeeperLocks waiterLocks = ZooKeeperLocks.create(waiterClient, "/cluster");
                ZooKeeperHandle held = (ZooKeeperHandle) holderLocks
                        .acquire(key, Duration.ofSeconds(20))
                        .get(30, TimeUnit.SECONDS);
                CompletableFuture<String> work = holderLocks.withLock(key + "-work",
                        Duration.ofSeconds(20),
                        h -> new CompletableFuture<>()); // runs until the connection is lost
                CompletableFuture<LockHandle> waiting =
                        waiterLocks.acquire(key, Duration.ofSeconds(60));
                assertThrows(TimeoutException.class, () -> waiting.get(500, TimeUnit.MILLISECONDS));
                assertTrue(held.isValid());

                assertTrue(cluster.killServer(holderServer));

                // Documented: SUSPENDED (the default error policy) invalidates at once, for good.
                held.lost().get(30, TimeUnit.SECONDS);
                assertFalse(held.isValid());
                Throwable failed = AsyncLocksContract.failureOf(work);
                assertTrue(failed.getMessage().contains("lost lock"), failed.toString());
                // The holder's session moves to a live server, gives up its node; the waiter
                // gets it.
                ZooKeeperHandle next = (ZooKeeperHandle) waiting.get(60, TimeUnit.SECONDS);
                assertTrue(next.isValid());
                assertFalse(held.isValid(), "two valid holders");
                assertTrue(next.fencingToken() > held.fencingToken());
                next.release();
                // The holder's client works again through the surviving servers.
                holderLocks.acquire(key, Duration.ofSeconds(30)).get(40, TimeUnit.SECONDS)
                        .release();
            } finally {
                waiterClient.close();
                holderClient.close();
            }
        }
    }
}
