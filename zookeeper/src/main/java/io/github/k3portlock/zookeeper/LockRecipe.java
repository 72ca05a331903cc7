package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.zookeeper.Acquisition.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * The lock recipe of Curator's {@code InterProcessMutex}, driven by Curator's background API:
 * create an EPHEMERAL_SEQUENTIAL node, list the children, take the lock when first, else watch
 * the predecessor and look again when it changes. Each step moves an {@link Acquisition} through
 * its states; futures are completed on the completion executor, never on Curator's threads.
 *
 * <p>A node is granted only while the connection is fine and only if its {@code ephemeralOwner}
 * is the client's current session: a node left by an ended session (which the server has not yet
 * removed) is never a lock. Thread-safe.
 */
final class LockRecipe {
    private final CuratorFramework client;
    private final Executor completion;
    private final ScheduledExecutorService timer;
    private final SessionWatch session;
    private final Set<Acquisition> waiting = ConcurrentHashMap.newKeySet();
    private final Set<ZooKeeperHandle> held = ConcurrentHashMap.newKeySet();

    LockRecipe(CuratorFramework client, Executor completion, ScheduledExecutorService timer) {
        this.client = client;
        this.completion = completion;
        this.timer = timer;
        this.session = new SessionWatch(client, this);
        session.start();
    }

    int waitingCount() {
        return waiting.size();
    }

    int heldCount() {
        return held.size();
    }

    /** Starts an acquisition; {@code timeoutNanos} -1 for none, 0 for one attempt. */
    void start(String key, String base, long timeoutNanos, CompletableFuture<LockHandle> future) {
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("the Curator client is " + client.getState()
                    + ", not STARTED: cannot acquire lock '" + key + "'");
        }
        Acquisition a = new Acquisition(key, base, future, timeoutNanos == 0, System.nanoTime());
        waiting.add(a);
        if (timeoutNanos > 0) {
            a.timeout(timer.schedule(() -> end(a, timeout(a)), timeoutNanos,
                    TimeUnit.NANOSECONDS));
        }
        future.whenComplete((value, failure) -> futureDone(a));
        try {
            client.create().creatingParentContainersIfNeeded().withProtection()
                    .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                    .inBackground((c, event) -> created(a, event))
                    .forPath(ZKPaths.makePath(base, LockPaths.LOCK_NAME));
        } catch (Exception e) {
            end(a, error(a, "could not create its node", e));
        }
    }

    private void created(Acquisition a, CuratorEvent event) {
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            end(a, error(a, "could not create its node", keeperError(event)));
            return;
        }
        String name = ZKPaths.getNodeFromPath(event.getName());
        var stat = event.getStat(); // Stat: zookeeper-jute, on the class path only
        a.created(name, stat == null ? 0 : stat.getCzxid(),
                stat == null ? 0 : stat.getEphemeralOwner());
        if (a.moveTo(State.WAITING) == null) {
            delete(ZKPaths.makePath(a.base, name)); // ended while its create was in flight
        } else if (stat == null) {
            // The create's answer was lost and Curator found our node again: fetch its stat.
            background(a, () -> client.checkExists().inBackground((c, e) -> {
                if (e.getStat() == null) {
                    end(a, error(a, "its node vanished", keeperError(e)));
                } else {
                    a.created(name, e.getStat().getCzxid(), e.getStat().getEphemeralOwner());
                    check(a);
                }
            }).forPath(ZKPaths.makePath(a.base, name)));
        } else {
            check(a);
        }
    }

    /** Reads the children and takes the lock, or watches the predecessor. */
    private void check(Acquisition a) {
        if (a.state() != State.WAITING) {
            return;
        }
        background(a, () -> client.getChildren().inBackground((c, e) -> children(a, e))
                .forPath(a.base));
    }

    private void children(Acquisition a, CuratorEvent event) {
        if (a.state() != State.WAITING) {
            return;
        }
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            end(a, error(a, "could not list the lock's nodes", keeperError(event)));
            return;
        }
        List<String> sorted = new ArrayList<>(event.getChildren());
        sorted.sort(LockPaths.SEQUENCE_ORDER);
        int ours = sorted.indexOf(a.node());
        if (ours < 0) {
            end(a, error(a, "its node " + a.node() + " vanished (session expired?)", null));
        } else if (ours == 0) {
            grant(a);
        } else if (a.tryOnce) {
            end(a, timeout(a));
        } else {
            watch(a, ZKPaths.makePath(a.base, sorted.get(ours - 1)));
        }
    }

    private void watch(Acquisition a, String predecessor) {
        Watcher watcher = (WatchedEvent e) -> {
            if (e.getType() != Watcher.Event.EventType.None) {
                check(a);
            }
        };
        background(a, () -> client.getData().usingWatcher(watcher).inBackground((c, e) -> {
            if (e.getResultCode() == KeeperException.Code.NONODE.intValue()) {
                check(a); // gone already: look again
            } else if (e.getResultCode() != KeeperException.Code.OK.intValue()) {
                end(a, error(a, "could not watch " + predecessor, keeperError(e)));
            }
        }).forPath(predecessor));
    }

    private void grant(Acquisition a) {
        long current = session.currentSession();
        ZooKeeperHandle handle;
        synchronized (a) {
            if (a.state() != State.WAITING || session.inErrorState()) {
                return; // ended elsewhere, or the connection is in trouble: RECONNECTED looks again
            }
            if (a.session() != current) {
                handle = null;
            } else {
                a.moveTo(State.GRANTED);
                handle = new ZooKeeperHandle(this, a.key, ZKPaths.makePath(a.base, a.node()),
                        a.token());
            }
        }
        if (handle == null) {
            // Its node outlived its session on the server for a while; it is no lock of ours.
            end(a, error(a, "its node belongs to ZooKeeper session 0x" + Long.toHexString(
                    a.session()) + ", which ended (the session was lost)", null));
            return;
        }
        waiting.remove(a);
        a.cancelTimeout();
        held.add(handle);
        if (session.inErrorState()) {
            handle.invalidate(); // the listener may have run before the handle was in `held`
        }
        deliver(() -> {
            if (!handle.isValid()) {
                a.future.completeExceptionally(error(a, "the ZooKeeper session was lost before"
                        + " the lock could be handed over", null));
            } else if (!a.future.complete(handle)) {
                handle.release();
            }
        }, () -> {
            handle.release();
            a.future.completeExceptionally(new PortlockException(a.key, -1, "took lock '"
                    + a.key + "' (" + handle.nodePath() + ") but the completion executor "
                    + completion + " refused to complete the future; the lock was released",
                    null));
        });
    }

    /** The future completed (by us or by the caller): an acquisition still going ends. */
    private void futureDone(Acquisition a) {
        State before = a.moveTo(State.DONE);
        if (before != null) {
            cleanUp(a, before);
        } // GRANTED: the delivery releases the handle if the future took no value from it
    }

    /**
     * Ends an acquisition without the lock, at once, and then fails its future on the completion
     * executor; nothing if it had already ended.
     */
    private void end(Acquisition a, PortlockException e) {
        State before = a.moveTo(State.DONE);
        if (before != null) {
            cleanUp(a, before);
            deliver(() -> a.future.completeExceptionally(e),
                    () -> a.future.completeExceptionally(e));
        }
    }

    private void cleanUp(Acquisition a, State before) {
        waiting.remove(a);
        a.cancelTimeout();
        if (before == State.WAITING) {
            delete(ZKPaths.makePath(a.base, a.node()));
        } // CREATING: created() deletes the node when its create answers
    }

    private PortlockTimeoutException timeout(Acquisition a) {
        Duration waited = Duration.ofNanos(System.nanoTime() - a.startNanos);
        return new PortlockTimeoutException(a.key, "znode " + a.base + ", ZooKeeper connection "
                + session.describe(), waited);
    }

    private void deliver(Runnable task, Runnable ifRefused) {
        try {
            completion.execute(task);
        } catch (RejectedExecutionException e) {
            ifRefused.run();
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

    /** The connection entered an error state: every held handle is invalid for good. */
    void invalidateHeld() {
        for (ZooKeeperHandle h : held) {
            h.invalidate();
        }
    }

    /** The session is gone, and its nodes with it: every acquisition still going ends now. */
    void sessionLost() {
        for (Acquisition a : waiting) {
            end(a, error(a, "the ZooKeeper session was lost", null));
        }
    }

    /** The connection is back: each waiter looks at its place again. */
    void recheckWaiting() {
        for (Acquisition a : waiting) {
            check(a);
        }
    }

    private interface Op {
        void run() throws Exception;
    }

    private void background(Acquisition a, Op op) {
        try {
            op.run();
        } catch (Exception e) {
            end(a, error(a, "a ZooKeeper operation could not start", e));
        }
    }

    private static KeeperException keeperError(CuratorEvent event) {
        return KeeperException.create(KeeperException.Code.get(event.getResultCode()),
                event.getPath());
    }

    private static PortlockException error(Acquisition a, String what, Exception cause) {
        return new PortlockException(a.key, -1, "cannot acquire lock '" + a.key + "' (znode "
                + a.base + "): " + what + (cause == null ? "" : ": " + cause), cause);
    }
}
