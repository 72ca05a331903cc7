package io.github.k3portlock.zookeeper;

import io.github.k3portlock.async.AsyncLocks;
import io.github.k3portlock.async.contract.AsyncModesContract;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared-hold and permit contract on the ZooKeeper backend in its read/write layout, against
 * an in-process server.
 */
class ZooKeeperModesContractTest extends AsyncModesContract {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

    private static CuratorFramework client;
    private static ZooKeeperLocks locks;

    @BeforeAll
    static void connect() {
        client = ZK.client(10_000);
        locks = ZooKeeperLocks.builder(client, "/modes").layout(ZooKeeperLocks.Layout.READ_WRITE)
                .build();
    }

    @Override
    protected AsyncLocks locks() {
        return locks;
    }

    @Override
    protected void assertNothingLeftFor(String key) throws Exception {
        ZkTestSupport.awaitNoChildren(client, locks.lockPath(key));
        ZkTestSupport.awaitTrue("no waiter left", Duration.ofSeconds(5),
                () -> locks.waitingCount() == 0);
    }

    @Override
    protected void assertNoPermitLeftFor(String key, int permits) throws Exception {
        ZkTestSupport.awaitNoChildren(client, locks.semaphorePath(key) + "/leases");
        ZkTestSupport.awaitNoChildren(client, locks.semaphorePath(key) + "/locks");
        ZkTestSupport.awaitTrue("no waiter left", Duration.ofSeconds(5),
                () -> locks.waitingCount() == 0);
    }
}
