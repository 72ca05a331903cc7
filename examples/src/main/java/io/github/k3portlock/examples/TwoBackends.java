package io.github.k3portlock.examples;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.async.AsyncLocks;
import io.github.k3portlock.async.AsyncPortlock;
import io.github.k3portlock.zookeeper.ZooKeeperHandle;
import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.io.PrintStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;

/**
 * One piece of code, two backends: {@link #useLocks} is written against {@link AsyncLocks} and runs
 * first on the port lock (one host), then on ZooKeeper (any number of hosts).
 *
 * <p>Run: {@code java -cp examples/target/k3portlock-examples.jar
 * io.github.k3portlock.examples.TwoBackends [zk-connect-string]}.
 * Without a connect string it starts an in-process ZooKeeper server (curator-test's
 * {@code TestingServer}), so it runs on a fresh machine.
 */
public final class TwoBackends {
    private TwoBackends() {
    }

    public static void main(String[] args) throws Exception {
        run(System.out, args.length > 0 ? args[0] : null, "two-backends-" + UUID.randomUUID());
    }

    static void run(PrintStream out, String connect, String key) throws Exception {
        useLocks(out, "port lock", AsyncPortlock.create(), key);

        TestingServer embedded = connect == null ? new TestingServer(true) : null;
        String zk = connect == null ? embedded.getConnectString() : connect;
        out.println("ZooKeeper: " + (connect == null ? "in-process test server" : connect));
        try (CuratorFramework curator = CuratorFrameworkFactory.newClient(zk,
                new ExponentialBackoffRetry(100, 3))) {
            curator.start();
            ZooKeeperLocks locks = ZooKeeperLocks.create(curator, "/k3portlock-examples");
            useLocks(out, "zookeeper", locks, key);
            // ZooKeeper handles carry a fencing token: pass it with each write to the resource.
            try (LockHandle h = locks.acquire(key, Duration.ofSeconds(5)).join()) {
                long token = ((ZooKeeperHandle) h).fencingToken();
                out.println("zookeeper fencing token > 0: " + (token > 0));
            }
        } finally {
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    /** Backend-neutral code: the same pipeline on either lock. */
    static void useLocks(PrintStream out, String name, AsyncLocks locks, String key) {
        String result = locks.withLock(key, Duration.ofSeconds(5),
                handle -> CompletableFuture.supplyAsync(
                        () -> "work done under " + handle.key().length() + "-char key"))
                .join();
        out.println(name + ": " + result);
        LockHandle holder = locks.acquire(key, Duration.ofSeconds(5)).join();
        CompletableFuture<LockHandle> waiter = locks.acquire(key, Duration.ofSeconds(5));
        out.println(name + ": waiting while held: " + !waiter.isDone());
        holder.release();
        try (LockHandle next = waiter.join()) {
            out.println(name + ": next holder valid: " + next.isValid());
        }
    }
}
