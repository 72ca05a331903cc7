package io.github.k3portlock.zookeeper;

import io.github.k3portlock.async.AsyncLocks;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The {@link AsyncLocks} contract on the ZooKeeper backend, against an in-process server. */
class ZooKeeperContractTest extends LockContractTest {
    private static TestingServer server;
    private static CuratorFramework client;
    private static ZooKeeperLocks locks;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
        client = ZkTestSupport.client(server.getConnectString(), 10_000);
        locks = ZooKeeperLocks.create(client, "/contract");
    }

    @AfterAll
    static void stopServer() throws Exception {
        client.close();
        server.close();
    }

    @Override
    AsyncLocks locks() {
        return locks;
    }

    @Override
    void assertNothingLeftFor(String key) throws Exception {
        ZkTestSupport.awaitNoChildren(client, locks.lockPath(key));
        ZkTestSupport.awaitTrue("no waiter left", java.time.Duration.ofSeconds(5),
                () -> locks.waitingCount() == 0);
    }
}
