package io.github.k3portlock.shedlock;

import io.github.k3portlock.zookeeper.ZooKeeperLocks;
import java.util.Optional;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link ExtensibleLockProvider} over k3portlock's ZooKeeper backend: one run per tick
 * across every host of a cluster. Add {@code k3portlock-zookeeper} (and so Curator) to use it; the
 * port-lock provider does not need it.
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider(CuratorFramework curator) {
 *     return new ZooKeeperLockProvider(ZooKeeperLocks.create(curator, "/shedlock"));
 * }
 * }</pre>
 *
 * <p><b>Names.</b> The ShedLock lock name is the key: the lock's node lives under
 * {@link ZooKeeperLocks#lockPath(String) locks.lockPath(name)}, laid out as Curator's
 * {@code InterProcessMutex} lays it out, so an {@code InterProcessMutex} on that path excludes it.
 *
 * <p><b>Semantics.</b> As {@link PortlockLockProvider}'s: {@link #lock(LockConfiguration)} makes
 * one attempt (it waits for the ensemble's answer, not for a holder) and is not reentrant;
 * {@code lockAtMostFor}, {@code lockAtLeastFor} and {@code extend()} are kept by this process's
 * timer. {@code extend()} also returns empty when the ZooKeeper session lost the lock.
 *
 * <p><b>Crashes.</b> The lock is an ephemeral node: when its holder dies, the node goes with the
 * session (after the session timeout), earlier than {@code lockAtLeastFor} and
 * {@code lockAtMostFor}; a crashed holder does not block the job until {@code lockAtMostFor}
 * as ShedLock's own ZooKeeper provider's persistent node does. The same holds when the holder's
 * session is lost while it runs: another host may then run the job while the first one is still
 * running it.
 *
 * <p><b>Thread safety.</b> This class and its locks are thread-safe.
 */
public final class ZooKeeperLockProvider implements ExtensibleLockProvider {
    private final LockKeeper keeper;

    /**
     * Creates a provider over {@code locks}, whose client must be started before the first lock.
     *
     * @param locks the ZooKeeper backend; its root is where the lock nodes live
     * @throws NullPointerException if {@code locks} is null
     */
    public ZooKeeperLockProvider(ZooKeeperLocks locks) {
        this.keeper = new LockKeeper(locks);
    }

    /**
     * Takes the lock named by the configuration if it is free, without waiting for a holder.
     *
     * @param lockConfiguration the name and times of the lock
     * @return the lock, or empty if it is held (here or elsewhere)
     * @throws NullPointerException if {@code lockConfiguration} is null
     * @throws net.javacrumbs.shedlock.support.LockException if ZooKeeper fails (connection
     *     lost, for one), or the attempt is interrupted
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration lockConfiguration) {
        return keeper.lock(lockConfiguration);
    }

    @Override
    public String toString() {
        return "ZooKeeperLockProvider{" + keeper + "}";
    }
}
