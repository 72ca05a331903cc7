package io.github.k3portlock.zookeeper;

import io.github.k3portlock.async.AsyncLocks;
import io.github.k3portlock.async.contract.AsyncLocksContract;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link AsyncLocks} contract on the ZooKeeper backend, against an in-process server. */
class ZooKeeperContractTest extends AsyncLocksContract {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

    private static CuratorFramework client;
    private static ZooKeeperLocks locks;

    @BeforeAll
    static void connect() {
        client = ZK.client(10_000);
        locks = ZooKeeperLocks.create(client, "/contract");
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
}
