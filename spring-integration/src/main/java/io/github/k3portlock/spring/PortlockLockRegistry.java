package io.github.k3portlock.spring;

import io.github.k3portlock.PortScheme;
import io.github.k3portlock.async.AsyncLocks;
import io.github.k3portlock.async.AsyncPortlock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import org.springframework.integration.support.locks.ExpirableLockRegistry;

/**
 * A Spring Integration {@link ExpirableLockRegistry} whose locks exclude across processes: over
 * the port lock of one host by default (no database, no server), or over any {@link AsyncLocks}
 * backend, such as k3portlock's ZooKeeper backend for a cluster.
 *
 * <pre>{@code
 * LockRegistry<Lock> registry = new PortlockLockRegistry();
 * registry.executeLocked("orders", () -> processOrders());
 * }</pre>
 *
 * <p><b>The locks.</b> {@link #obtain(Object)} takes a {@code String} key and returns the same
 * {@link Lock} instance for a key as long as it is in use (held, awaited, or not yet expired by
 * {@link #expireUnusedOlderThan(long)}). The lock behaves as Spring's own registries' locks do:
 * <ul>
 * <li>it belongs to the thread that took it, and is reentrant for that thread, counted: the
 *     backend's lock is taken by the first hold and released by the matching last
 *     {@link Lock#unlock() unlock()};</li>
 * <li>threads of this JVM wait on a local {@code ReentrantLock} first, so only one of them at a
 *     time waits for the backend;</li>
 * <li>{@link Lock#tryLock()} makes one attempt and does not wait;
 *     {@link Lock#tryLock(long, java.util.concurrent.TimeUnit) tryLock(time, unit)} waits up to
 *     that time in all; {@link Lock#lockInterruptibly()} and {@code tryLock(time, unit)} honour an
 *     interrupt while waiting (and leave nothing held); {@link Lock#lock()} ignores interrupts
 *     while it waits and returns with the interrupt status still set;</li>
 * <li>{@code unlock()} by a thread that does not hold the lock throws
 *     {@link IllegalMonitorStateException}; {@link Lock#newCondition()} throws
 *     {@link UnsupportedOperationException};</li>
 * <li>{@code executeLocked} (from {@code LockRegistry}) works as with any registry.</li>
 * </ul>
 * A failure of the backend other than contention (too many open files, a lost ZooKeeper
 * connection) is thrown from the locking method as the backend's
 * {@link io.github.k3portlock.PortlockException}, with nothing held. If the backend lost a held
 * lock (a ZooKeeper session loss), the last {@code unlock()} ends the hold and then throws
 * {@link java.util.ConcurrentModificationException}: another holder may have run meanwhile.
 *
 * <p><b>Keys.</b> The key is the backend's key as is: with the port lock, {@code portlock status
 * KEY} names the process holding it; with {@code ZooKeeperLocks}, the lock lives under
 * {@code locks.lockPath(key)}. Spring's own {@code ZookeeperLockRegistry} keeps its lock
 * ({@code InterProcessMutex}) at {@code root + "/" + key}; {@code lockPath} is the same path for
 * every key without {@code '/'}, {@code '%'}, control characters or private-use characters
 * (which it escapes) and other than {@code "."} and {@code ".."}. For such keys, a
 * {@code PortlockLockRegistry} over {@code ZooKeeperLocks.create(client, root)} and a
 * {@code ZookeeperLockRegistry(client, root)} exclude each other, both ways.
 *
 * <p><b>Expiry.</b> {@link #expireUnusedOlderThan(long)} forgets the locks obtained more than
 * {@code age} milliseconds ago that are neither held nor awaited. A lock obtained before an
 * expiry and used after it still excludes every other lock of its key (the backend does that),
 * but its reentrancy count is its own.
 *
 * <p><b>Crashes.</b> A lock held by a process that dies is freed at once by the kernel (port
 * lock) or when the session ends (ZooKeeper): there is no time-to-live to wait out, and none to
 * renew.
 *
 * <p><b>Thread safety and memory visibility.</b> This class and its locks are thread-safe. Actions
 * in a thread prior to an {@code unlock()} that releases a lock happen-before actions following
 * the next acquisition of the same key's lock in this JVM; across processes the lock orders the
 * critical sections only.
 */
public final class PortlockLockRegistry implements ExpirableLockRegistry<Lock> {
    private final AsyncLocks locks;
    private final ConcurrentHashMap<String, KeyLock> byKey = new ConcurrentHashMap<>();

    /** Creates a registry over the port lock's default scheme ({@link AsyncPortlock#create()}). */
    public PortlockLockRegistry() {
        this(AsyncPortlock.create());
    }

    /**
     * Creates a registry over the port lock with the given scheme: only locks of the same scheme
     * exclude its locks.
     *
     * @param scheme the port scheme
     * @throws NullPointerException if {@code scheme} is null
     */
    public PortlockLockRegistry(PortScheme scheme) {
        this(AsyncPortlock.builder().scheme(Objects.requireNonNull(scheme, "scheme")).build());
    }

    /**
     * Creates a registry over any backend: the port lock, or {@code ZooKeeperLocks} for a
     * cluster.
     *
     * @param locks the backend
     * @throws NullPointerException if {@code locks} is null
     */
    public PortlockLockRegistry(AsyncLocks locks) {
        this.locks = Objects.requireNonNull(locks, "locks");
    }

    /**
     * Returns the lock of {@code lockKey}: the same instance while it is in use.
     *
     * @param lockKey the key, a non-empty {@code String}
     * @return the lock
     * @throws IllegalArgumentException if {@code lockKey} is not a {@code String} or is empty (a
     *     key the backend refuses otherwise, one with an unpaired surrogate, makes the lock's
     *     locking methods throw it)
     */
    @Override
    public Lock obtain(Object lockKey) {
        if (!(lockKey instanceof String key)) {
            throw new IllegalArgumentException("the lock key must be a String, not "
                    + (lockKey == null ? "null" : lockKey.getClass().getName()));
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("the lock key must not be empty");
        }
        long now = System.currentTimeMillis();
        // Under the map's bin lock, so that an expiry cannot drop the lock between get and mark.
        return byKey.compute(key, (k, lock) -> {
            KeyLock l = lock == null ? new KeyLock(k, locks) : lock;
            l.obtained(now);
            return l;
        });
    }

    /**
     * Forgets the locks last obtained more than {@code age} milliseconds ago that are neither
     * held nor awaited; a later {@link #obtain(Object)} of their key returns a new instance.
     *
     * @param age the age in milliseconds
     */
    @Override
    public void expireUnusedOlderThan(long age) {
        long cutoff = System.currentTimeMillis() - age;
        for (String key : byKey.keySet()) {
            byKey.computeIfPresent(key, (k, lock) -> lock.unusedSince(cutoff) ? null : lock);
        }
    }

    @Override
    public String toString() {
        return "PortlockLockRegistry{" + locks + ", locks=" + byKey.size() + "}";
    }
}
