package io.github.k3portlock.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.integration.zookeeper.lock.ZookeeperLockRegistry;

/**
 * {@link PortlockLockRegistry} over {@code ZooKeeperLocks} and Spring's own
 * {@link ZookeeperLockRegistry} on the same root exclude each other, both ways, each with a
 * client (a session) of its own as two hosts would have.
 */
class ZookeeperInteropTest {
    private static TestingServer server;
    private static CuratorFramework ours;
    private static CuratorFramework springs;
    private static String root;
    private static ZooKeeperLocks zk;
    private static PortlockLockRegistry registry;
    private static ZookeeperLockRegistry spring;

    @BeforeAll
    static void start() throws Exception {
        server = new TestingServer(true);
        ours = client();
        springs = client();
        root = "/spring-" + UUID.randomUUID();
        zk = ZooKeeperLocks.create(ours, root);
        registry = new PortlockLockRegistry(zk);
        spring = new ZookeeperLockRegistry(springs, root);
    }

    @AfterAll
    static void stop() throws Exception {
        spring.destroy();
        springs.close();
        ours.close();
        server.close();
    }

    private static CuratorFramework client() throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.newClient(server.getConnectString(),
                new ExponentialBackoffRetry(50, 3));
        c.start();
        c.blockUntilConnected();
        return c;
    }

    /** Runs on another thread: Spring's ZooKeeper locks belong to a thread, as ours do. */
    private static boolean otherThreadTryLock(Lock lock, long millis) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                boolean got = lock.tryLock(millis, TimeUnit.MILLISECONDS);
                if (got) {
                    lock.unlock();
                }
                return got;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).join();
    }

    private static List<String> nodes(String path) throws Exception {
        try {
            return ours.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    @Test
    void ourLockExcludesSpringsAndTheyShareTheNode() throws Exception {
        String key = "orders-" + UUID.randomUUID();
        assertEquals(root + "/" + key, zk.lockPath(key), "the path rule for plain keys");
        Lock mine = registry.obtain(key);
        mine.lock();
        try {
            assertEquals(1, nodes(zk.lockPath(key)).size());
            assertFalse(otherThreadTryLock(spring.obtain(key), 200));
        } finally {
            mine.unlock();
        }
        assertTrue(otherThreadTryLock(spring.obtain(key), 10_000));
    }

    @Test
    void springsLockExcludesOurs() throws Exception {
        String key = "orders-" + UUID.randomUUID();
        Lock theirs = spring.obtain(key);
        assertTrue(theirs.tryLock(10, TimeUnit.SECONDS));
        try {
            assertEquals(1, nodes(root + "/" + key).size());
            assertFalse(otherThreadTryLock(registry.obtain(key), 200));
            assertFalse(registry.obtain(key).tryLock());
        } finally {
            theirs.unlock();
        }
        assertTrue(otherThreadTryLock(registry.obtain(key), 10_000));
        assertTrue(nodes(zk.lockPath(key)).isEmpty() || awaitEmpty(zk.lockPath(key)));
    }

    private static boolean awaitEmpty(String path) {
        Await.until("no node under " + path, () -> {
            try {
                return nodes(path).isEmpty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return true;
    }
}
