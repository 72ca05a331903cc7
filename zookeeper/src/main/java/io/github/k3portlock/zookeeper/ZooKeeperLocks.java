package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
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
 * <p><b>Shared holds and semaphores.</b> With {@link Builder#layout(Layout)
 * layout(Layout.READ_WRITE)} the locks are Curator's {@code InterProcessReadWriteLock} instead,
 * whose write lock is the exclusive lock and whose read lock a {@link LockMode#SHARED} hold; the
 * default layout refuses {@code SHARED} (see {@link Layout}). Permits are leases of Curator's
 * {@code InterProcessSemaphoreV2} at {@link #semaphorePath(String) semaphorePath(key)}.
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
    /** The most permits a semaphore may have here: Curator's leases have no smaller bound. */
    public static final int MAX_PERMITS = Integer.MAX_VALUE;

    private final String root;
    private final Layout layout;
    private final LockRecipe recipe;
    private final SemaphoreRecipe semaphores;

    /**
     * How a key's lock path lays out its nodes: which Curator recipe this instance's locks
     * exclude. Curator's mutex and its read/write lock do not see each other's nodes, so every
     * process using a key must use the same layout.
     */
    public enum Layout {
        /**
         * Curator's {@code InterProcessMutex} (the default): the exclusive lock only. A
         * {@link LockMode#SHARED} request fails with {@link IllegalStateException}: the layout
         * has no shared node, and a lock that would not exclude the mutex is never taken.
         */
        MUTEX,
        /**
         * Curator's {@code InterProcessReadWriteLock}: the exclusive lock (also
         * {@link ZooKeeperLocks#acquire(String, Duration)}) is its write lock ({@code __WRIT__}
         * nodes), a shared hold its read lock ({@code __READ__} nodes). A read node waits for the
         * write nodes before it, so a waiting writer keeps later readers out (FIFO). Processes
         * using {@code InterProcessMutex} on the same path are <em>not</em> excluded.
         */
        READ_WRITE
    }

    private ZooKeeperLocks(Builder b) {
        this.root = b.root;
        this.layout = b.layout;
        Executor completion = b.completion == null ? RecipeExecutors.completion() : b.completion;
        this.recipe = new LockRecipe(b.client, completion, RecipeExecutors.timer());
        this.semaphores = new SemaphoreRecipe(b.client, recipe, completion,
                RecipeExecutors.timer());
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

    /**
     * Returns the znode path of the semaphore {@code key}: the root path, a slash,
     * {@code %semaphore:} and {@link LockPaths#nodeName(String) the key escaped}; for example
     * {@code /locks/%semaphore:ffmpeg}. No lock path is ever one ({@code %s} is no escape), so a
     * semaphore and the lock of the same key are apart. Below it, Curator's
     * {@code InterProcessSemaphoreV2} layout: {@code locks} and {@code leases}.
     *
     * @param key the semaphore's key
     * @return the semaphore's path
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    public String semaphorePath(String key) {
        return root + "/%semaphore:" + LockPaths.nodeName(key);
    }

    /**
     * Returns the layout of this instance's locks.
     *
     * @return the layout
     */
    public Layout layout() {
        return layout;
    }

    @Override
    public CompletableFuture<LockHandle> acquire(String key) {
        return start(key, LockMode.EXCLUSIVE, -1);
    }

    @Override
    public CompletableFuture<LockHandle> acquire(String key, Duration timeout) {
        return start(key, LockMode.EXCLUSIVE, nanos(key, timeout));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here the modes are those of the {@link Builder#layout(Layout) layout}: with
     * {@link Layout#READ_WRITE}, Curator's read and write locks; with {@link Layout#MUTEX} (the
     * default) only {@code EXCLUSIVE}.
     *
     * @throws NullPointerException {@inheritDoc}
     * @throws IllegalArgumentException {@inheritDoc}
     * @throws IllegalStateException if {@code mode} is {@code SHARED} and the layout is
     *     {@link Layout#MUTEX}
     */
    @Override
    public CompletableFuture<LockHandle> acquire(String key, LockMode mode, Duration timeout) {
        long nanos = nanos(key, timeout);
        return start(key, Objects.requireNonNull(mode, "mode"), nanos);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here a permit is a lease of Curator's {@code InterProcessSemaphoreV2} on
     * {@link #semaphorePath(String) semaphorePath(key)}, node-compatible with it: a process using
     * {@code new InterProcessSemaphoreV2(client, locks.semaphorePath(key), permits)} counts
     * together with this one. As there, each acquirer admits itself while at most its own
     * {@code permits} leases exist: processes that disagree hold at most the largest number
     * at once, and the ones that ask for fewer wait while more are held. Up to
     * {@value #MAX_PERMITS} permits. Session loss is handled as for locks: a lease node is
     * granted only if its session is the client's current one, and a permit's handle is a
     * {@link ZooKeeperHandle}. A lease node deleted by someone else while its acquirer waits is
     * retried as Curator does (mutex and node again, while the client's retry policy allows).
     *
     * @throws NullPointerException {@inheritDoc}
     * @throws IllegalArgumentException {@inheritDoc}
     */
    @Override
    public CompletableFuture<LockHandle> acquirePermit(String key, int permits, Duration timeout) {
        String path = semaphorePath(key);
        long nanos = nanos(key, timeout);
        Checks.permits(key, permits, MAX_PERMITS);
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        semaphores.start(key, path, permits, nanos, future);
        return future;
    }

    private CompletableFuture<LockHandle> start(String key, LockMode mode, long nanos) {
        String base = lockPath(key);
        NodeRule rule = layout == Layout.MUTEX ? NodeRule.MUTEX
                : mode == LockMode.SHARED ? NodeRule.READ : NodeRule.WRITE;
        if (mode == LockMode.SHARED && layout == Layout.MUTEX) {
            throw new IllegalStateException("cannot hold lock '" + key + "' SHARED: the layout"
                    + " is MUTEX (Curator's InterProcessMutex has no shared mode); build"
                    + " ZooKeeperLocks with layout(Layout.READ_WRITE) in every process");
        }
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        recipe.start(key, base, rule, nanos, future);
        return future;
    }

    /** The timeout in nanoseconds: -1 for none (a century or more), 0 for one attempt. */
    private static long nanos(String key, Duration timeout) {
        long nanos = Checks.nanos(Checks.timeout(key, timeout));
        return nanos >= Checks.FOREVER_NANOS ? -1 : nanos;
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
        return withLock(key, LockMode.EXCLUSIVE, timeout, action);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here the returned future also fails with a {@link PortlockException} when the handle is
     * {@link ZooKeeperHandle#lost() lost} while the action runs.
     *
     * @throws IllegalStateException if {@code mode} is {@code SHARED} and the layout is
     *     {@link Layout#MUTEX}
     */
    @Override
    public <T> CompletableFuture<T> withLock(String key, LockMode mode, Duration timeout,
            Function<? super LockHandle, ? extends CompletionStage<T>> action) {
        Objects.requireNonNull(action, "action");
        // The shared withLock wiring, with the action's stage failing when the lock is lost.
        return AsyncLocks.super.withLock(key, mode, timeout, handle -> {
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
        return "ZooKeeperLocks{root=" + root + ", " + layout + ", waiting=" + waitingCount()
                + ", held=" + recipe.heldCount() + "}";
    }

    /** Number of acquisitions waiting (locks and permits), for tests. */
    int waitingCount() {
        return recipe.waitingCount() + semaphores.waitingCount();
    }

    /** Builds a {@link ZooKeeperLocks}. Not thread-safe. */
    public static final class Builder {
        private final CuratorFramework client;
        private final String root;
        private Executor completion;
        private Layout layout = Layout.MUTEX;

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
         * Sets which Curator recipe the locks are laid out as (default {@link Layout#MUTEX},
         * {@code InterProcessMutex}); see {@link Layout}. Every process using a key must choose
         * the same layout: the two do not exclude each other.
         *
         * @param layout the layout
         * @return this builder
         * @throws NullPointerException if {@code layout} is null
         */
        public Builder layout(Layout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
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
