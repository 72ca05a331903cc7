package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.zookeeper.Lease.State;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetrySleeper;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;

/**
 * The lease recipe of Curator's {@code InterProcessSemaphoreV2}, driven by the background API:
 * take the semaphore's mutex ({@code <path>/locks}, laid out as {@code InterProcessMutex}),
 * create an EPHEMERAL_SEQUENTIAL node {@code <path>/leases/_c_<uuid>-lease-<sequence>}
 * (protected, parents as containers), list the leases with a watch until at most
 * {@code permits} exist, ours among them, let the mutex go and hand out the lease. Each step moves
 * a {@link Lease} through its states; futures are completed on the completion executor.
 *
 * <p>As the lock recipe does, a lease node is granted only while the connection is fine and only
 * if its {@code ephemeralOwner} is the client's current session; on LOST every lease still being
 * acquired ends at once (through {@link LockRecipe#sessionLost()}), and a granted lease's handle
 * is one of the lock recipe's, invalid at once when the connection enters an error state. A
 * lease node that vanishes while its session is current (someone deleted it) is retried as
 * Curator does: the mutex again and a new node, if the client's retry policy allows, after the
 * sleep it asks for; a node that vanished with its ended session fails the acquisition.
 * Thread-safe.
 */
final class SemaphoreRecipe {
    /** Curator's lease node name prefix. */
    static final String LEASE_NAME = "lease-";

    private final CuratorFramework client;
    private final LockRecipe locks;
    private final Executor completion;
    private final ScheduledExecutorService timer;
    private final Set<Lease> counting = ConcurrentHashMap.newKeySet();

    SemaphoreRecipe(CuratorFramework client, LockRecipe locks, Executor completion,
            ScheduledExecutorService timer) {
        this.client = client;
        this.locks = locks;
        this.completion = completion;
        this.timer = timer;
        locks.sessionListener(lost -> {
            for (Lease l : counting) {
                if (lost) {
                    end(l, error(l, "the ZooKeeper session was lost", null));
                } else {
                    count(l); // the connection is back: count again
                }
            }
        });
    }

    /** Leases still being acquired, for tests. */
    int waitingCount() {
        return counting.size();
    }

    /** Starts a lease; {@code timeoutNanos} -1 for none, 0 for one attempt. */
    void start(String key, String path, int permits, long timeoutNanos,
            CompletableFuture<LockHandle> future) {
        Lease l = new Lease(key, path, permits, future, timeoutNanos == 0, System.nanoTime());
        counting.add(l);
        if (timeoutNanos > 0) {
            l.timeout(timer.schedule(() -> end(l, timeout(l)), timeoutNanos,
                    TimeUnit.NANOSECONDS));
        }
        future.whenComplete((value, failure) -> {
            State before = l.moveTo(State.DONE);
            if (before != null) {
                cleanUp(l, before); // completed elsewhere (cancel, orTimeout) while waiting
            } // GRANTED: the delivery releases the lease if the future did not take it
        });
        try {
            lockMutex(l);
        } catch (IllegalStateException notStarted) {
            l.moveTo(State.DONE); // the caller gets the exception, never the future
            counting.remove(l);
            l.cancelTimeout();
            throw notStarted;
        }
    }

    /** Takes the semaphore's mutex for the lease, which is LOCKING. */
    private void lockMutex(Lease l) {
        CompletableFuture<LockHandle> mutex = new CompletableFuture<>();
        l.mutexFuture = mutex;
        // The lease's own timer covers both steps; a zero timeout is one attempt at each.
        locks.start(l.key, ZKPaths.makePath(l.path, "locks"), NodeRule.MUTEX,
                l.tryOnce ? 0 : -1, mutex);
        if (l.state() == State.DONE) {
            mutex.cancel(false); // ended before cleanUp could see this attempt's mutex
        }
        mutex.whenComplete((h, failure) -> {
            if (failure != null) {
                Throwable f = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                end(l, f instanceof PortlockTimeoutException ? timeout(l)
                        : f instanceof PortlockException pe ? pe
                        : error(l, "could not take the semaphore's mutex", f));
            } else {
                mutexHeld(l, h);
            }
        });
    }

    private void mutexHeld(Lease l, LockHandle mutex) {
        l.mutex(mutex);
        if (l.moveTo(State.CREATING) == null) {
            l.releaseMutex(); // ended meanwhile
            return;
        }
        try {
            client.create().creatingParentContainersIfNeeded().withProtection()
                    .withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
                    .inBackground((c, event) -> created(l, event))
                    .forPath(ZKPaths.makePath(l.leases, LEASE_NAME));
        } catch (Exception e) {
            end(l, error(l, "could not create its lease node", e));
        }
    }

    private void created(Lease l, CuratorEvent event) {
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            end(l, error(l, "could not create its lease node", keeperError(event)));
            return;
        }
        String name = ZKPaths.getNodeFromPath(event.getName());
        var stat = event.getStat(); // Stat: zookeeper-jute, on the class path only
        l.created(name, stat == null ? 0 : stat.getCzxid(),
                stat == null ? 0 : stat.getEphemeralOwner());
        if (l.moveTo(State.COUNTING) == null) {
            delete(ZKPaths.makePath(l.leases, name)); // ended while its create was in flight
        } else if (stat == null) {
            // The create's answer was lost and Curator found our node again: fetch its stat.
            try {
                client.checkExists().inBackground((c, e) -> {
                    if (e.getStat() == null) {
                        end(l, error(l, "its lease node " + name + " vanished",
                                keeperError(e)));
                    } else {
                        l.created(name, e.getStat().getCzxid(), e.getStat().getEphemeralOwner());
                        count(l);
                    }
                }).forPath(ZKPaths.makePath(l.leases, name));
            } catch (Exception e) {
                end(l, error(l, "a ZooKeeper operation could not start", e));
            }
        } else {
            count(l);
        }
    }

    /** Lists the leases, watching them for the next change. */
    private void count(Lease l) {
        if (l.state() != State.COUNTING) {
            return;
        }
        Watcher watcher = e -> {
            if (e.getType() != Watcher.Event.EventType.None) {
                count(l);
            }
        };
        try {
            client.getChildren().usingWatcher(watcher).inBackground((c, e) -> counted(l, e))
                    .forPath(l.leases);
        } catch (Exception e) {
            end(l, error(l, "a ZooKeeper operation could not start", e));
        }
    }

    private void counted(Lease l, CuratorEvent event) {
        if (l.state() != State.COUNTING) {
            return;
        }
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
            end(l, error(l, "could not list the leases", keeperError(event)));
            return;
        }
        List<String> leases = event.getChildren();
        if (!leases.contains(l.node())) {
            vanished(l);
        } else if (leases.size() <= l.permits) {
            grant(l);
        } else if (l.tryOnce) {
            end(l, timeout(l));
        } // else the watch counts again at the next change
    }

    private void grant(Lease l) {
        long current = locks.currentSession();
        boolean stale;
        synchronized (l) {
            if (l.state() != State.COUNTING || locks.inErrorState()) {
                return; // ended elsewhere, or the connection is in trouble: RECONNECTED counts
            }
            stale = l.session() != current;
            if (!stale) {
                l.moveTo(State.GRANTED);
            }
        }
        if (stale) {
            // Its node outlived its session on the server for a while; it is no permit of ours.
            end(l, sessionEnded(l));
            return;
        }
        counting.remove(l);
        l.cancelTimeout();
        l.releaseMutex(); // as Curator does once the lease is counted in
        ZooKeeperHandle handle = locks.adopt(l.key, ZKPaths.makePath(l.leases, l.node()),
                l.token());
        try {
            completion.execute(() -> {
                if (!handle.isValid()) {
                    l.future.completeExceptionally(error(l, "the ZooKeeper session was lost"
                            + " before the lease could be handed over", null));
                } else if (!l.future.complete(handle)) {
                    handle.release();
                }
            });
        } catch (RejectedExecutionException e) {
            handle.release();
            l.future.completeExceptionally(error(l, "the completion executor " + completion
                    + " refused to complete the future; the lease was returned", e));
        }
    }

    /**
     * Its lease node is gone. As Curator's {@code InterProcessSemaphoreV2}: if the client's retry
     * policy allows (counting this lease's retries and time since it started), let the mutex go,
     * sleep what the policy asks (on the timer) and start over with the mutex; else fail. A node
     * of an ended session fails at once: the session's acquisitions end with it.
     */
    private void vanished(Lease l) {
        if (l.session() != locks.currentSession()) {
            end(l, sessionEnded(l));
            return;
        }
        long[] sleepNanos = new long[1];
        RetrySleeper sleeper = (time, unit) -> sleepNanos[0] = unit.toNanos(time);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - l.startNanos);
        boolean again;
        try {
            again = client.getZookeeperClient().getRetryPolicy()
                    .allowRetry(l.nextRetry(), elapsedMs, sleeper);
        } catch (RuntimeException e) {
            again = false;
        }
        if (!again) {
            end(l, error(l, "its lease node " + l.node() + " vanished, and the client's retry"
                    + " policy allows no more attempts", null));
            return;
        }
        if (l.moveTo(State.LOCKING) == null) {
            return; // ended meanwhile
        }
        l.releaseMutex(); // as Curator does before it tries again
        try {
            timer.schedule(() -> {
                if (l.state() == State.LOCKING) {
                    try {
                        lockMutex(l);
                    } catch (IllegalStateException closed) {
                        end(l, error(l, "could not try again", closed));
                    }
                }
            }, sleepNanos[0], TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            end(l, error(l, "could not schedule another attempt", e));
        }
    }

    /** Ends a lease without a permit, and fails its future; nothing if it had ended already. */
    private void end(Lease l, PortlockException e) {
        State before = l.moveTo(State.DONE);
        if (before != null) {
            cleanUp(l, before);
            try {
                completion.execute(() -> l.future.completeExceptionally(e));
            } catch (RejectedExecutionException refused) {
                l.future.completeExceptionally(e);
            }
        }
    }

    private void cleanUp(Lease l, State before) {
        counting.remove(l);
        l.cancelTimeout();
        CompletableFuture<LockHandle> mutex = l.mutexFuture;
        if (mutex != null) {
            mutex.cancel(false); // still waiting for the mutex: its recipe deletes its node
        } // null: lockMutex has not begun, and sees the lease DONE when it does
        l.releaseMutex();
        if (before == State.COUNTING) {
            delete(ZKPaths.makePath(l.leases, l.node()));
        } // CREATING: created() deletes the node when its create answers
    }

    private PortlockTimeoutException timeout(Lease l) {
        Duration waited = Duration.ofNanos(System.nanoTime() - l.startNanos);
        return new PortlockTimeoutException(l.key, "semaphore znode " + l.path + " ("
                + l.permits + (l.permits == 1 ? " permit)" : " permits)"), waited);
    }

    private void delete(String path) {
        try {
            client.delete().guaranteed().inBackground().forPath(path);
        } catch (Exception e) {
            // Only if the client is closed: the node goes with the session.
        }
    }

    private static PortlockException sessionEnded(Lease l) {
        return error(l, "its lease node belongs to ZooKeeper session 0x"
                + Long.toHexString(l.session()) + ", which ended (the session was lost)", null);
    }

    private static KeeperException keeperError(CuratorEvent event) {
        return KeeperException.create(KeeperException.Code.get(event.getResultCode()),
                event.getPath());
    }

    private static PortlockException error(Lease l, String what, Throwable cause) {
        return new PortlockException(l.key, -1, "cannot acquire a permit of semaphore '" + l.key
                + "' (znode " + l.path + "): " + what + (cause == null ? "" : ": " + cause),
                cause);
    }
}
