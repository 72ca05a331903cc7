package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncLocks;
import io.github.k3portlock.internal.Checks;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.PathUtils;

/**
 * The {@link AsyncLocks} API over ZooKeeper, through Apache Curator: a lock that spans hosts.
 * Code written against {@code AsyncLocks} for the port lock runs unchanged on it.
 *
 * <pre>{@code
 * CuratorFramework curator = CuratorFrameworkFactory.newClient("zk1:2181,zk2:2181,zk3:2181",
 *         new ExponentialBackoffRetry(100, 3));
 * curator.start();
 * AsyncLocks locks = ZooKeeperLocks.create(curator, "/locks");
 * locks.withLock("nightly-report", Duration.ofSeconds(5), handle -> buildReportAsync());
 * }</pre>
 *
 * <p><b>The recipe, and interoperability.</b> The lock on a key lives under
 * {@link #lockPath(String) lockPath(key)}, laid out exactly as Curator's {@code InterProcessMutex}
 * lays out its lock on that path ({@link LockPaths}): each acquisition creates an
 * EPHEMERAL_SEQUENTIAL child named {@code _c_<uuid>-lock-<10-digit sequence>} (Curator's protected
 * mode, so that a create whose answer was lost to a connection loss is found again instead of left
 * behind), creating missing parents as container nodes; children are ordered by the text after
 * their last {@code "lock-"}; the first holds the lock, each other watches only its predecessor.
 * A process using {@code new InterProcessMutex(client, locks.lockPath(key))} and a process using
 * this class therefore exclude each other. (Curator's reentrancy is per
 * {@code InterProcessMutex} object and thread; this class is not reentrant.)
 *
 * <p><b>Non-blocking.</b> Every ZooKeeper operation is issued with Curator's background API; a
 * waiting acquisition is a znode, a watch on its predecessor and a few objects here, with no thread
 * of its own, and nothing here ever blocks Curator's event thread. Futures are completed on the
 * {@link Builder#completionExecutor(Executor) completion executor}, never on Curator's threads
 * (default: a shared, unbounded pool of daemon threads named {@code k3portlock-zk-completion-N},
 * ended after 30 s idle). Timeouts run on one shared daemon timer thread.
 *
 * <p><b>Timeouts and cancellation.</b> At a timeout the future fails with
 * {@link PortlockTimeoutException}, whose message names the lock path and the connection state (so
 * an unreachable ensemble reads as such); {@code cancel}, {@code orTimeout} and
 * {@code completeExceptionally} work as well. However the wait ends, the waiter's znode is
 * deleted (with Curator's guaranteed delete: retried until it succeeds or the session ends); a
 * create still in flight deletes its node when it answers. A grant that races with a cancel is
 * released at once. A zero timeout makes one attempt: it takes the lock only if no other node
 * precedes its own, and its answer waits for the ensemble (or for Curator's retry policy to give
 * up when it is unreachable).
 *
 * <p><b>Session loss.</b> While the connection is in an error state by the client's
 * {@code ConnectionStateErrorPolicy} (by default SUSPENDED and LOST), no lock is granted, and
 * every handle held through this instance becomes invalid for good, at once (whatever the
 * completion executor does): see {@link ZooKeeperHandle}. {@link #withLock withLock} then fails
 * its stage with a {@link PortlockException} (the action is not cancelled: stop its work
 * yourself). On LOST, every acquisition still waiting ends at once and fails with a
 * {@link PortlockException}: its node belongs to the ended session, and is never granted, even
 * while the server has not yet removed it. After RECONNECTED, the other waiters (those that only
 * saw SUSPENDED) check their position again. A node is granted only if its
 * {@code ephemeralOwner} is the client's current session. Other failures of ZooKeeper operations
 * fail the acquisition with a {@link PortlockException} carrying Curator's error.
 *
 * <p><b>Arguments.</b> Keys and timeouts are checked exactly as the port lock checks them, with
 * the same exceptions and messages: a key must not be null, empty or have an unpaired surrogate.
 *
 * <p><b>Thread safety and memory visibility.</b> This class and its handles are thread-safe.
 * Actions prior to releasing a handle happen-before actions in stages that depend on the next
 * successful acquisition of the same key through this instance (through ZooKeeper's ordered
 * callbacks). Across processes, the lock orders the critical sections only.
 *
 * <p><b>Limits.</b> The client must be started before use, and stay open while handles are held.
 * Each instance registers one connection-state listener on the client for its lifetime: create one
 * instance per client and root, not one per acquisition. A handle that becomes unreachable is not
 * released by garbage collection; release it (or its node goes with the session).
 */
public final class ZooKeeperLocks implements AsyncLocks {
    private final String root;
    private final LockRecipe recipe;

    private ZooKeeperLocks(Builder b) {
        this.root = b.root;
        Executor completion = b.completion == null ? RecipeExecutors.completion() : b.completion;
        this.recipe = new LockRecipe(b.client, completion, RecipeExecutors.timer());
    }

    /**
     * Creates an instance with the default completion executor.
     *
     * @param client a Curator client; started before the first acquisition
     * @param rootPath the absolute znode path under which the keys' lock paths live, for
     *     example {@code "/locks"}; not {@code "/"} and not under {@code /zookeeper}
     * @return a new instance
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code rootPath} is not a valid znode path or is
     *     {@code "/"} or under {@code /zookeeper}
     */
    public static ZooKeeperLocks create(CuratorFramework client, String rootPath) {
        return builder(client, rootPath).build();
    }

    /**
     * Returns a builder, for a completion executor of your own.
     *
     * @param client a Curator client
     * @param rootPath the root path, as in {@link #create(CuratorFramework, String)}
     * @return a new builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code rootPath} is not acceptable
     */
    public static Builder builder(CuratorFramework client, String rootPath) {
        return new Builder(client, rootPath);
    }

    /**
     * Returns the znode path whose children make up the lock on {@code key}: the root path, a
     * slash, and {@link LockPaths#nodeName(String) the key escaped} so that every valid key maps
     * to its own valid node name; for example {@code lockPath("reports/daily")} under root
     * {@code /locks} is {@code /locks/reports%2Fdaily}.
     *
     * @param key the lock key
     * @return the lock path
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    public String lockPath(String key) {
        return root + "/" + LockPaths.nodeName(key);
    }

    @Override
    public CompletableFuture<LockHandle> acquire(String key) {
        String base = lockPath(key);
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        recipe.start(key, base, -1, future);
        return future;
    }

    @Override
    public CompletableFuture<LockHandle> acquire(String key, Duration timeout) {
        String base = lockPath(key);
        long nanos = Checks.nanos(Checks.timeout(key, timeout));
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        recipe.start(key, base, nanos >= Checks.FOREVER_NANOS ? -1 : nanos, future);
        return future;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here the returned future also fails with a {@link PortlockException} when the handle is
     * {@link ZooKeeperHandle#lost() lost} while the action runs.
     */
    @Override
    public <T> CompletableFuture<T> withLock(String key, Duration timeout,
            Function<? super LockHandle, ? extends CompletionStage<T>> action) {
        Objects.requireNonNull(action, "action");
        // The shared withLock wiring, with the action's stage failing when the lock is lost.
        return AsyncLocks.super.withLock(key, timeout, handle -> {
            CompletionStage<T> stage = action.apply(handle);
            if (stage == null) {
                return null; // reported by the shared wiring
            }
            ZooKeeperHandle zk = (ZooKeeperHandle) handle;
            CompletableFuture<T> whileHeld = new CompletableFuture<>();
            stage.whenComplete((value, error) -> {
                if (error != null) {
                    whileHeld.completeExceptionally(error);
                } else {
                    whileHeld.complete(value);
                }
            });
            zk.lost().thenRun(() -> whileHeld.completeExceptionally(new PortlockException(key, -1,
                    "lost lock '" + key + "' (" + zk.nodePath() + ") while the action ran: the"
                            + " ZooKeeper connection was interrupted", null)));
            return whileHeld;
        });
    }

    @Override
    public String toString() {
        return "ZooKeeperLocks{root=" + root + ", waiting=" + recipe.waitingCount() + ", held="
                + recipe.heldCount() + "}";
    }

    /** Number of acquisitions waiting, for tests. */
    int waitingCount() {
        return recipe.waitingCount();
    }

    /** Builds a {@link ZooKeeperLocks}. Not thread-safe. */
    public static final class Builder {
        private final CuratorFramework client;
        private final String root;
        private Executor completion;

        private Builder(CuratorFramework client, String rootPath) {
            this.client = Objects.requireNonNull(client, "client");
            Objects.requireNonNull(rootPath, "rootPath");
            try {
                PathUtils.validatePath(rootPath);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid root path '" + rootPath + "': "
                        + e.getMessage(), e);
            }
            if (rootPath.equals("/") || rootPath.equals("/zookeeper")
                    || rootPath.startsWith("/zookeeper/")) {
                throw new IllegalArgumentException("root path must not be '/' nor under "
                        + "/zookeeper, got '" + rootPath + "'");
            }
            this.root = rootPath;
        }

        /**
         * Sets the executor that completes the futures, and so runs their non-async dependent
         * stages, {@code withLock}'s action and {@link ZooKeeperHandle#lost()}'s stages (default:
         * a shared, unbounded pool of daemon threads). It must not be Curator's own event thread
         * and should not be {@code Runnable::run}, which would run callbacks on Curator's thread.
         * A bounded executor whose threads all block on other acquisitions deadlocks.
         *
         * @param executor the executor
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         */
        public Builder completionExecutor(Executor executor) {
            this.completion = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Builds the instance; it registers a connection-state listener on the client.
         *
         * @return a new {@link ZooKeeperLocks}
         */
        public ZooKeeperLocks build() {
            return new ZooKeeperLocks(this);
        }
    }
}
