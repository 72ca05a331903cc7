package io.github.k3portlock.cli;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.zookeeper.ZooKeeperHandle;
import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.data.Stat;

/**
 * {@code portlock run --zookeeper CONNECT}: the lock taken from {@link ZooKeeperLocks} instead of
 * the port lock. Only {@link RunCommand} uses it, and only when {@code --zookeeper} is given, so the
 * port lock's start-up never loads Curator or ZooKeeper classes (nothing outside this class names
 * them). Not thread-safe, except {@link #close()}, which the shutdown hook may call at any time.
 *
 * <p>The client uses Curator's default connection-state error policy: the lock counts as lost as
 * soon as the connection is SUSPENDED (about two thirds of the session timeout without an answer
 * from the ensemble, or at once when the server closes the connection), which leaves the rest of
 * the session timeout to end COMMAND before the server could grant the lock to someone else.
 */
final class ZooKeeperRun {
    /** The ZooKeeper session timeout: how long a dead holder's lock outlives it. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(RunCommand.ZK_SESSION_SECONDS);
    /** The longest wait for a first connection to the ensemble. */
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(15);

    private final String connect;
    private final CuratorFramework client;
    private final ZooKeeperLocks locks;
    private final String key;
    private final AtomicBoolean closed = new AtomicBoolean();
    private ZooKeeperHandle handle;

    private ZooKeeperRun(String connect, String root, String key) {
        this.connect = connect;
        this.key = key;
        client = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs((int) SESSION_TIMEOUT.toMillis())
                .connectionTimeoutMs((int) CONNECTION_TIMEOUT.toMillis())
                .retryPolicy(new ExponentialBackoffRetry(200, 3)).build();
        try {
            locks = ZooKeeperLocks.create(client, root);
        } catch (IllegalArgumentException e) {
            client.close();
            throw e;
        }
        locks.lockPath(key); // a bad key fails here, before anything connects
    }

    /**
     * Creates the client (not yet connected).
     *
     * @throws Args.UsageException for a bad connect string, root path or key
     */
    static ZooKeeperRun create(Args.Spec spec, String connect, String root, String key) {
        if (connect.isBlank()) {
            throw new Args.UsageException(spec, "Invalid value for option '--zookeeper': empty"
                    + " connect string (expected HOST:PORT[,HOST:PORT...][/CHROOT])");
        }
        try {
            return new ZooKeeperRun(connect, root, key);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new Args.UsageException(spec, "--zookeeper " + connect + " --zk-root " + root
                    + ": " + e.getMessage());
        }
    }

    /** What the lock is, for messages: {@code /k3portlock/KEY on zk1:2181}. */
    String describe() {
        return locks.lockPath(key) + " on " + connect;
    }

    /**
     * Connects and takes the lock.
     *
     * @param timeout how long to wait for the lock: zero for one attempt, {@code null} for ever
     * @return whether the lock is held
     * @throws PortlockException if the ensemble cannot be reached in time, or ZooKeeper fails
     */
    boolean acquire(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        client.start();
        Duration connectWait = timeout == null || timeout.isZero()
                || timeout.compareTo(CONNECTION_TIMEOUT) > 0 ? CONNECTION_TIMEOUT : timeout;
        if (!client.blockUntilConnected((int) Math.max(1, connectWait.toMillis()),
                TimeUnit.MILLISECONDS)) {
            throw unreachable(connectWait);
        }
        CompletableFuture<LockHandle> f;
        if (timeout == null) {
            f = locks.acquire(key);
        } else if (timeout.isZero()) {
            f = locks.acquire(key, Duration.ZERO);
        } else {
            Duration left = timeout.minusNanos(System.nanoTime() - start);
            f = locks.acquire(key, left.isNegative() || left.isZero() ? Duration.ofNanos(1) : left);
        }
        try {
            handle = (ZooKeeperHandle) f.get();
            return true;
        } catch (InterruptedException e) {
            f.cancel(false);
            throw e;
        } catch (CancellationException e) {
            return false;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof PortlockTimeoutException) {
                // Also a zero timeout that finds the lock taken: contention, not a failure.
                if (!client.getZookeeperClient().isConnected()) {
                    throw unreachable(Duration.ofNanos(System.nanoTime() - start));
                }
                return false;
            }
            if (c instanceof PortlockException p) {
                throw new PortlockException(key, -1, "ZooKeeper at " + connect + ": "
                        + p.getMessage(), p);
            }
            throw new PortlockException(key, -1, "ZooKeeper at " + connect + " failed: " + c, c);
        }
    }

    private PortlockException unreachable(Duration waited) {
        return new PortlockException(key, -1, String.format(Locale.ROOT,
                "cannot reach ZooKeeper at %s within %.1f s; lock '%s' not taken", connect,
                waited.toMillis() / 1000.0, key), null);
    }

    /**
     * Who holds the lock, for the conflict message: the session of the lowest node and how many
     * wait, or why that cannot be told.
     */
    String holder() {
        try {
            String path = locks.lockPath(key);
            List<String> nodes = client.getChildren().forPath(path);
            nodes.sort(Comparator.comparing(n -> n.substring(n.lastIndexOf("lock-") + 5)));
            if (nodes.isEmpty()) {
                return "free now";
            }
            Stat s = client.checkExists().forPath(path + "/" + nodes.get(0));
            return (s == null ? "held (its node just went)" : String.format(Locale.ROOT,
                    "held by ZooKeeper session 0x%x", s.getEphemeralOwner()))
                    + (nodes.size() > 1 ? ", " + (nodes.size() - 1) + " waiting" : "");
        } catch (Exception e) {
            return "held (holder unknown: " + e.getMessage() + ")";
        }
    }

    /** The fencing token of the held lock. */
    long fencingToken() {
        return handle.fencingToken();
    }

    /** Runs {@code action} (once, on another thread) if the held lock is lost. */
    void onLost(Runnable action) {
        handle.lost().thenRun(action);
    }

    /** Whether the held lock may have passed to someone else. */
    boolean lost() {
        return handle != null && handle.lost().isDone();
    }

    /**
     * Releases the lock and closes the session, which deletes its nodes at once (a waiting node
     * too, so that no dead waiter holds up the queue). Idempotent; safe from the shutdown hook.
     */
    void close() {
        if (closed.compareAndSet(false, true)) {
            ZooKeeperHandle h = handle;
            if (h != null) {
                h.release();
            }
            client.close();
        }
    }
}
