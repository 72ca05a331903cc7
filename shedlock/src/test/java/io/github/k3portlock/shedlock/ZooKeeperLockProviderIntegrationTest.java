package io.github.k3portlock.shedlock;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * ShedLock's own test kit, unmodified, against {@link ZooKeeperLockProvider} on a curator-test
 * {@link TestingServer}. Locked means a node under the key's lock path, read with a client of
 * its own (a second session, as another host would see it).
 */
class ZooKeeperLockProviderIntegrationTest extends AbstractExtensibleLockProviderIntegrationTest {
    private static TestingServer server;
    private static CuratorFramework client;
    private static CuratorFramework observer;
    private static ZooKeeperLocks locks;
    private static ZooKeeperLockProvider provider;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        client = client(server.getConnectString());
        observer = client(server.getConnectString());
        locks = ZooKeeperLocks.create(client, "/shedlock-" + UUID.randomUUID());
        provider = new ZooKeeperLockProvider(locks);
    }

    @AfterAll
    static void stopServer() throws Exception {
        observer.close();
        client.close();
        server.close();
    }

    private static CuratorFramework client(String connect) throws InterruptedException {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs(30_000).retryPolicy(new ExponentialBackoffRetry(50, 3)).build();
        c.start();
        c.blockUntilConnected();
        return c;
    }

    @Override
    protected ExtensibleLockProvider getLockProvider() {
        return provider;
    }

    @Override
    protected void assertLocked(String lockName) {
        assertFalse(nodes(lockName).isEmpty(), lockName + " has no lock node");
    }

    /**
     * Waits (up to 5 s) until the key's lock path has no node: a release by {@code lockAtMostFor}
     * is made by the provider's timer thread, and the delete reaches the observer's session
     * through the ensemble.
     */
    @Override
    protected void assertUnlocked(String lockName) {
        Await.until(lockName + " unlocked", Duration.ofSeconds(5), () -> nodes(lockName).isEmpty());
    }

    private static List<String> nodes(String key) {
        try {
            observer.sync().forPath(locks.lockPath(key));
            return observer.getChildren().forPath(locks.lockPath(key));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
