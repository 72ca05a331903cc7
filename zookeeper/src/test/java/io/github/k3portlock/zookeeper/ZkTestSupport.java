package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;

/** Clients, waits with deadlines, and znode listings for the ZooKeeper tests. */
final class ZkTestSupport {
    private ZkTestSupport() {
    }

    /** A started client with a short session, so that session loss shows within seconds. */
    static CuratorFramework client(String connect, int sessionMs) {
        CuratorFramework c = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs(sessionMs).connectionTimeoutMs(Math.min(sessionMs, 2000))
                .retryPolicy(new ExponentialBackoffRetry(50, 3)).build();
        c.start();
        return c;
    }

    static List<String> children(CuratorFramework c, String path) throws Exception {
        try {
            return c.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
    }

    static void awaitTrue(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not true within " + limit + ": " + what);
            }
            Thread.sleep(5); // polling a condition, with a deadline
        }
    }

    static void awaitNoChildren(CuratorFramework c, String path) throws Exception {
        awaitTrue("no znode left under " + path, Duration.ofSeconds(10), () -> {
            try {
                return children(c, path).isEmpty();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
