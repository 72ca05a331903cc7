package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.PathUtils;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

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
 * lays out its lock on that path: each acquisition creates an EPHEMERAL_SEQUENTIAL child named
 * {@code _c_<uuid>-lock-<10-digit sequence>} (Curator's protected mode, so that a create whose
 * answer was lost to a connection loss is found again instead of left behind), creating missing
 * parents as container nodes; children are ordered by the text after their last {@code "lock-"};
 * the first holds the lock, each other watches only its predecessor. A process using
 * {@code new InterProcessMutex(client, locks.lockPath(key))} and a process using this class
 * therefore exclude each other. (Curator's reentrancy is per {@code InterProcessMutex} object and
 * thread; this class is not reentrant.)
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
 * every handle held through this instance becomes invalid for good: see {@link ZooKeeperHandle}.
 * {@link #withLock withLock} then fails its stage with a {@link PortlockException} (the action is
 * not cancelled: stop its work yourself). On LOST, every waiting acquisition fails with a
 * {@link PortlockException}: its node went with the session. After RECONNECTED, waiters check
 * their position again. Other failures of ZooKeeper operations fail the acquisition with a
 * {@link PortlockException} carrying Curator's error.
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
    /** The node name prefix of Curator's {@code InterProcessMutex}; sorting is by what follows. */
    static final String LOCK_NAME = "lock-";

    private final CuratorFramework client;
    private final String root;
    private final Executor completion;
    private final ScheduledExecutorService timer;
    private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
    private final Set<ZooKeeperHandle> held = ConcurrentHashMap.newKeySet();
    private volatile boolean connectionBad;

    private ZooKeeperLocks(Builder b) {
        this.client = b.client;
        this.root = b.root;
        this.completion = b.completion == null ? Defaults.COMPLETION : b.completion;
        this.timer = Defaults.TIMER;
        ConnectionStateListener listener = (c, state) -> stateChanged(state);
        client.getConnectionStateListenable().addListener(listener);
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
     * slash, and the key escaped so that every non-empty string maps to its own valid node name.
     * Escaped are {@code '%'} and {@code '/'} and every character ZooKeeper refuses in a path
     * (U+0000 to U+001F, U+007F to U+009F, U+D800 to U+F8FF, U+FFF0 to U+FFFF): a character below
     * U+0100 becomes {@code %} and two upper-case hex digits, any other {@code %u} and four. A key
     * that is {@code "."} or {@code ".."} has its dots escaped ({@code %2E}). Nothing else changes,
     * so the mapping is injective ({@code 'u'} is not a hex digit) and readable:
     * {@code lockPath("reports/daily")} under root {@code /locks} is {@code /locks/reports%2Fdaily}.
     *
     * @param key the lock key, not empty
     * @return the lock path
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty
     */
    public String lockPath(String key) {
        checkKey(key);
        return root + "/" + escape(key);
    }

    static String escape(String key) {
        if (key.equals(".") || key.equals("..")) {
            return key.replace(".", "%2E");
        }
        StringBuilder sb = null;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean bad = c == '%' || c == '/' || c <= '\u001f' || (c >= '\u007f' && c <= '\u009f')
                    || (c >= '\ud800' && c <= '\uf8ff') || c >= '\ufff0';
            if (bad && sb == null) {
                sb = new StringBuilder(key.length() + 16).append(key, 0, i);
            }
            if (sb != null) {
                if (!bad) {
                    sb.append(c);
                } else if (c < 0x100) {
                    sb.append(String.format("%%%02X", (int) c));
                } else {
                    sb.append(String.format("%%u%04X", (int) c));
                }
            }
        }
        return sb == null ? key : sb.toString();
    }

    @Override
    public CompletableFuture<LockHandle> acquire(String key) {
        checkKey(key);
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        start(key, -1, future);
        return future;
    }

    @Override
    public CompletableFuture<LockHandle> acquire(String key, Duration timeout) {
        checkKey(key);
        long nanos = timeoutNanos(key, timeout);
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        start(key, nanos, future);
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
        return "ZooKeeperLocks{root=" + root + ", waiting=" + waiters.size() + ", held="
                + held.size() + "}";
    }

    /** Number of acquisitions waiting, for tests. */
    int waitingCount() {
        return waiters.size();
    }

    // ---------------------------------------------------------------- the recipe

    private void start(String key, long timeoutNanos, CompletableFuture<LockHandle> future) {
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("the Curator client is " + client.getState()
                    + ", not STARTED: cannot acquire lock '" + key + "'");
        }
        Waiter w = new Waiter(key, lockPath(key), future, timeoutNanos == 0, System.nanoTime());
        waiters.add(w);
        if (timeoutNanos > 0) {
            w.timeout = timer.schedule(() -> timedOut(w), timeoutNanos, TimeUnit.NANOSECONDS);
        }
        future.whenComplete((value, failure) -> futureDone(w, value));
        try {
            client.create().creatingParentContainersIfNeeded().withProtection()
                    .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                    .inBackground((c, event) -> created(w, event))
                    .forPath(ZKPaths.makePath(w.base, LOCK_NAME));
        } catch (Exception e) {
            fail(w, error(w, "could not create its node", e));
        }
    }

    private void created(Waiter w, CuratorEvent event) {
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            fail(w, error(w, "could not create its node", keeperError(event)));
            return;
        }
        String name = ZKPaths.getNodeFromPath(event.getName());
        long token = event.getStat() == null ? 0 : event.getStat().getCzxid();
        boolean abandon;
        synchronized (w) {
            w.node = name;
            w.token = token;
            abandon = w.state == State.DONE;
            if (!abandon) {
                w.state = State.WAITING;
            }
        }
        if (abandon) {
            delete(ZKPaths.makePath(w.base, name));
        } else if (token == 0) {
            // The create's answer was lost and Curator found our node again: fetch its zxid.
            background(w, () -> client.checkExists().inBackground((c, e) -> {
                if (e.getStat() == null) {
                    fail(w, error(w, "its node vanished", keeperError(e)));
                } else {
                    synchronized (w) {
                        w.token = e.getStat().getCzxid();
                    }
                    check(w);
                }
            }).forPath(ZKPaths.makePath(w.base, name)));
        } else {
            check(w);
        }
    }

    /** Reads the children and takes the lock, or watches the predecessor. */
    private void check(Waiter w) {
        if (w.state != State.WAITING) {
            return;
        }
        background(w, () -> client.getChildren().inBackground((c, e) -> children(w, e)).forPath(w.base));
    }

    private void children(Waiter w, CuratorEvent event) {
        if (w.state != State.WAITING) {
            return;
        }
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            fail(w, error(w, "could not list the lock's nodes", keeperError(event)));
            return;
        }
        List<String> sorted = new ArrayList<>(event.getChildren());
        sorted.sort(Comparator.comparing(ZooKeeperLocks::sequenceOf));
        int ours = sorted.indexOf(w.node);
        if (ours < 0) {
            fail(w, error(w, "its node " + w.node + " vanished (session expired?)", null));
        } else if (ours == 0) {
            grant(w);
        } else if (w.tryOnce) {
            fail(w, timeout(w));
        } else {
            String predecessor = ZKPaths.makePath(w.base, sorted.get(ours - 1));
            Watcher watcher = (WatchedEvent e) -> {
                if (e.getType() != Watcher.Event.EventType.None) {
                    check(w);
                }
            };
            background(w, () -> client.getData().usingWatcher(watcher).inBackground((c, e) -> {
                if (e.getResultCode() == KeeperException.Code.NONODE.intValue()) {
                    check(w); // gone already: look again
                } else if (e.getResultCode() != KeeperException.Code.OK.intValue()) {
                    fail(w, error(w, "could not watch " + predecessor, keeperError(e)));
                }
            }).forPath(predecessor));
        }
    }

    /** What Curator's StandardLockInternalsDriver sorts by: the text after the last "lock-". */
    static String sequenceOf(String child) {
        int i = child.lastIndexOf(LOCK_NAME);
        return i < 0 ? child : child.substring(i + LOCK_NAME.length());
    }

    private void grant(Waiter w) {
        ZooKeeperHandle handle;
        synchronized (w) {
            if (w.state != State.WAITING || connectionBad) {
                return; // done elsewhere, or suspended: RECONNECTED checks again
            }
            w.state = State.GRANTED;
            handle = new ZooKeeperHandle(this, w.key, ZKPaths.makePath(w.base, w.node), w.token);
        }
        waiters.remove(w);
        cancelTimeout(w);
        held.add(handle);
        if (connectionBad) {
            handle.invalidate(); // the listener may have run before we were in `held`
        }
        deliver(() -> {
            if (!w.future.complete(handle)) {
                handle.release();
            }
        }, () -> {
            handle.release();
            w.future.completeExceptionally(new PortlockException(w.key, -1, "took lock '" + w.key
                    + "' (" + handle.nodePath() + ") but the completion executor " + completion
                    + " refused to complete the future; the lock was released", null));
        });
    }

    private void futureDone(Waiter w, LockHandle value) {
        if (value instanceof ZooKeeperHandle h && h.nodePath().endsWith("/" + w.node)) {
            return; // granted: the handle owns the node now
        }
        State before;
        String node;
        synchronized (w) {
            before = w.state;
            node = w.node;
            w.state = State.DONE;
        }
        waiters.remove(w);
        cancelTimeout(w);
        if (before == State.WAITING) {
            delete(ZKPaths.makePath(w.base, node));
        } // CREATING: created() deletes it; GRANTED: the delivery releases the handle
    }

    private void timedOut(Waiter w) {
        PortlockTimeoutException e = timeout(w);
        deliver(() -> w.future.completeExceptionally(e), () -> w.future.completeExceptionally(e));
    }

    private PortlockTimeoutException timeout(Waiter w) {
        Duration waited = Duration.ofNanos(System.nanoTime() - w.startNanos);
        return new PortlockTimeoutException(w.key, "znode " + w.base + ", ZooKeeper connection "
                + (client.getZookeeperClient().isConnected() ? "up" : "DOWN: ensemble unreachable"),
                waited);
    }

    private void fail(Waiter w, PortlockException e) {
        deliver(() -> w.future.completeExceptionally(e), () -> w.future.completeExceptionally(e));
    }

    private void deliver(Runnable task, Runnable ifRefused) {
        try {
            completion.execute(task);
        } catch (RejectedExecutionException e) {
            ifRefused.run();
        }
    }

    private static void cancelTimeout(Waiter w) {
        ScheduledFuture<?> t = w.timeout;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void delete(String path) {
        try {
            client.delete().guaranteed().inBackground().forPath(path);
        } catch (Exception e) {
            // Only if the client is closed: the node goes with the session.
        }
    }

    void released(ZooKeeperHandle h) {
        held.remove(h);
        delete(h.nodePath());
    }

    void invalidated(ZooKeeperHandle h) {
        held.remove(h);
        delete(h.nodePath()); // runs once the connection is back, or is moot with the session gone
        deliver(h::completeLost, h::completeLost);
    }

    private void stateChanged(ConnectionState state) {
        if (client.getConnectionStateErrorPolicy().isErrorState(state)) {
            connectionBad = true;
            for (ZooKeeperHandle h : held) {
                h.invalidate();
            }
        }
        if (state == ConnectionState.LOST) {
            for (Waiter w : waiters) {
                fail(w, error(w, "the ZooKeeper session was lost", null));
            }
        } else if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
            connectionBad = false;
            for (Waiter w : waiters) {
                check(w);
            }
        }
    }

    private interface Op {
        void run() throws Exception;
    }

    private void background(Waiter w, Op op) {
        try {
            op.run();
        } catch (Exception e) {
            fail(w, error(w, "a ZooKeeper operation could not start", e));
        }
    }

    private static KeeperException keeperError(CuratorEvent event) {
        return KeeperException.create(KeeperException.Code.get(event.getResultCode()), event.getPath());
    }

    private static PortlockException error(Waiter w, String what, Exception cause) {
        return new PortlockException(w.key, -1, "cannot acquire lock '" + w.key + "' (znode "
                + w.base + "): " + what + (cause == null ? "" : ": " + cause), cause);
    }

    private static void checkKey(String key) {
        Objects.requireNonNull(key, "lock key must not be null");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("lock key must not be empty");
        }
    }

    private static long timeoutNanos(String key, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException(
                    "timeout must not be negative, got " + timeout + " for lock '" + key + "'");
        }
        try {
            long nanos = timeout.toNanos();
            return nanos > Long.MAX_VALUE / 4 ? -1 : nanos;
        } catch (ArithmeticException tooLong) {
            return -1;
        }
    }

    private enum State { CREATING, WAITING, GRANTED, DONE }

    /** One acquisition: its future, its node once created, and where it stands. */
    private static final class Waiter {
        final String key;
        final String base;
        final CompletableFuture<LockHandle> future;
        final boolean tryOnce;
        final long startNanos;
        volatile State state = State.CREATING;
        volatile ScheduledFuture<?> timeout;
        String node;
        long token;

        Waiter(String key, String base, CompletableFuture<LockHandle> future, boolean tryOnce,
                long startNanos) {
            this.key = key;
            this.base = base;
            this.future = future;
            this.tryOnce = tryOnce;
            this.startNanos = startNanos;
        }
    }

    /** The shared timer and completion pool. */
    private static final class Defaults {
        static final ScheduledThreadPoolExecutor TIMER;
        static final ThreadPoolExecutor COMPLETION;

        static {
            TIMER = new ScheduledThreadPoolExecutor(1, daemonThreads("k3portlock-zk-timer"));
            TIMER.setRemoveOnCancelPolicy(true);
            COMPLETION = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), daemonThreads("k3portlock-zk-completion"));
        }

        private static ThreadFactory daemonThreads(String prefix) {
            AtomicInteger n = new AtomicInteger();
            return r -> {
                Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
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
