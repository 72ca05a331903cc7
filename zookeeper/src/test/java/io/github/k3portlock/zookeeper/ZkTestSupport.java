package io.github.k3portlock.zookeeper;


import io.github.k3portlock.testkit.Await;
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

    /** Waits for a condition with a deadline ({@link Await#until}). */
    static void awaitTrue(String what, Duration limit, BooleanSupplier condition) {
        Await.until(what, limit, condition);
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
