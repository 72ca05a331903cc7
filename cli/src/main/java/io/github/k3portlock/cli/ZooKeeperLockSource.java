package io.github.k3portlock.cli;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.zookeeper.LockPaths;
import io.github.k3portlock.zookeeper.ZooKeeperHandle;
import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.time.Duration;
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
import org.apache.zookeeper.client.ConnectStringParser;
import org.apache.zookeeper.data.Stat;

/**
 * {@code portlock run --zookeeper CONNECT}: the lock taken from {@link ZooKeeperLocks} instead of
 * the port lock. Only {@link RunCommand} creates it, and only when {@code --zookeeper} is given, so
 * the port lock's start-up never loads Curator or ZooKeeper classes (nothing outside this class
 * names them). Not thread-safe, except {@link #abandon()}, which the shutdown hook may call at any
 * time.
 *
 * <p>A first connection to the ensemble is awaited for at most {@link #CONNECTION_TIMEOUT}, or
 * {@link #NONBLOCK_CONNECTION_TIMEOUT} with {@code --nonblock}, or the {@code --timeout} when it
 * is shorter; then portlock gives up with "cannot reach ZooKeeper".
 *
 * <p>The client uses Curator's default connection-state error policy: the lock counts as lost as
 * soon as the connection is SUSPENDED (about two thirds of the session timeout without an answer
 * from the ensemble, or at once when the server closes the connection), which leaves the rest of
 * the session timeout to end COMMAND before the server could grant the lock to someone else.
 */
final class ZooKeeperLockSource implements LockSource {
    /** The ZooKeeper session timeout: how long a dead holder's lock outlives it. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(RunOptions.ZK_SESSION_SECONDS);
    /** The longest wait for a first connection to the ensemble. */
    static final Duration CONNECTION_TIMEOUT =
            Duration.ofSeconds(RunOptions.ZK_CONNECTION_SECONDS);
    /** The longest wait for a first connection with {@code --nonblock}, which gives up at once. */
    static final Duration NONBLOCK_CONNECTION_TIMEOUT =
            Duration.ofSeconds(RunOptions.ZK_NONBLOCK_CONNECTION_SECONDS);

    private final String connect;
    /** The chroot of the connect string ({@code /apps} in {@code zk1:2181/apps}), or null. */
    private final String chroot;
    private final CuratorFramework client;
    private final ZooKeeperLocks locks;
    private final String key;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The held lock; written by the main thread, read by the shutdown hook too. */
    private volatile ZooKeeperHandle handle;

    private ZooKeeperLockSource(String connect, String root, String key) {
        this.connect = connect;
        this.key = key;
        // Checked here, not when the client connects: a bad port is a usage error, not an outage.
        chroot = new ConnectStringParser(connect).getChrootPath();
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
    static ZooKeeperLockSource create(Args.Spec spec, String connect, String root, String key) {
        String expected = " (expected HOST:PORT[,HOST:PORT...][/CHROOT])";
        if (connect.isBlank()) {
            throw new Args.UsageException(spec, "Invalid value for option '--zookeeper': empty"
                    + " connect string" + expected);
        }
        try {
            new ConnectStringParser(connect); // what the client would fail on only when it starts
        } catch (IllegalArgumentException e) {
            String why = e instanceof NumberFormatException ? "a port is not a number" : "";
            throw new Args.UsageException(spec, "Invalid value for option '--zookeeper': '"
                    + connect + "': " + (why.isEmpty() ? e.getMessage() : why) + expected);
        }
        try {
            return new ZooKeeperLockSource(connect, root, key);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new Args.UsageException(spec, "--zookeeper " + connect + " --zk-root " + root
                    + ": " + e.getMessage());
        }
    }

    /** What the lock is, for messages: {@code /k3portlock/KEY on zk1:2181}. */
    @Override
    public String describe() {
        return locks.lockPath(key) + " on " + connect;
    }

    /**
     * Connects and takes the lock. The ZooKeeper lock is one request: {@code waiting} is never
     * run.
     *
     * @throws PortlockException if the ensemble cannot be reached in time, the chroot does not
     *     exist, or ZooKeeper fails
     */
    @Override
    public boolean acquire(Duration timeout, Runnable waiting) throws InterruptedException {
        long start = System.nanoTime();
        Duration connectWait = connectionTimeout(timeout);
        client.start(); // counts against the wait: it loads and starts the whole client
        long connectLeft = connectWait.toNanos() - (System.nanoTime() - start);
        long connectMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(connectLeft));
        if (!client.blockUntilConnected((int) connectMillis, TimeUnit.MILLISECONDS)) {
            throw unreachable(connectWait);
        }
        checkChroot();
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

    /**
     * How long to wait for the first connection: {@link #NONBLOCK_CONNECTION_TIMEOUT} for one
     * attempt, else the lock's timeout up to {@link #CONNECTION_TIMEOUT}.
     */
    static Duration connectionTimeout(Duration timeout) {
        if (timeout == null) {
            return CONNECTION_TIMEOUT;
        }
        if (timeout.isZero()) {
            return NONBLOCK_CONNECTION_TIMEOUT;
        }
        return timeout.compareTo(CONNECTION_TIMEOUT) > 0 ? CONNECTION_TIMEOUT : timeout;
    }

    /**
     * Fails with a message naming the chroot when it does not exist: ZooKeeper does not create
     * it, and its own error names only the first path it could not create under it.
     */
    private void checkChroot() throws InterruptedException {
        if (chroot == null) {
            return;
        }
        boolean exists;
        try {
            exists = client.checkExists().forPath("/") != null; // "/" is the chroot
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            return; // the lock request reports the failure
        }
        if (!exists) {
            throw new PortlockException(key, -1, "ZooKeeper at " + connect + ": the chroot "
                    + chroot + " does not exist (ZooKeeper does not create it: create it, e.g."
                    + " with zkCli.sh create " + chroot + ", or drop it from --zookeeper); lock '"
                    + key + "' not taken", null);
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
    @Override
    public String holder() {
        try {
            String path = locks.lockPath(key);
            List<String> nodes = client.getChildren().forPath(path);
            nodes.sort(LockPaths.SEQUENCE_ORDER);
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

    @Override
    public String heldDetail() {
        return ", fencing token " + handle.fencingToken();
    }

    @Override
    public void onLost(Runnable action) {
        handle.lost().thenRun(action);
    }

    /** Releases the lock and closes the session, which deletes its nodes at once. */
    @Override
    public void release() {
        close();
    }

    /**
     * Closes the session, which deletes its nodes at once (a waiting node too, so that no dead
     * waiter holds up the queue): the JVM's exit would leave them until the session expires.
     */
    @Override
    public void abandon() {
        close();
    }

    /** Releases the lock and closes the session. Idempotent; safe from the shutdown hook. */
    private void close() {
        if (closed.compareAndSet(false, true)) {
            ZooKeeperHandle h = handle;
            if (h != null) {
                h.release();
            }
            client.close();
        }
    }
}
