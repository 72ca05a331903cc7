package io.github.k3portlock.shedlock;

import io.github.k3portlock.PortScheme;
import io.github.k3portlock.async.AsyncPortlock;
import java.util.Objects;
import java.util.Optional;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link ExtensibleLockProvider} over the port lock: the instances of a scheduled job
 * on one host (several JVMs, containers sharing the host's network namespace) run it once per
 * tick, with no database and no server.
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider() {
 *     return new PortlockLockProvider();
 * }
 * }</pre>
 *
 * <p><b>Names.</b> The ShedLock lock name is the port lock's key, so {@code portlock status NAME}
 * names the process running the job, and a {@code Portlock} or {@code AsyncPortlock} on the same
 * key (with the same {@link PortScheme}) excludes it.
 *
 * <p><b>Semantics.</b> {@link #lock(LockConfiguration)} makes one attempt and returns at once:
 * empty when the lock is held, by another process or by this one (it is not reentrant, not even
 * for the thread that holds it). A lock is released at its {@code lockAtMostFor} even if
 * {@link SimpleLock#unlock()} never comes (by a timer thread of this module,
 * {@code k3portlock-shedlock-timer}, so a busy machine may release it a little later). An
 * {@code unlock()} before {@code lockAtLeastFor} keeps the lock held until then.
 * {@link SimpleLock#extend extend} returns a new lock with new {@code lockAtMostFor} and
 * {@code lockAtLeastFor} counted from now, and invalidates the old one; it returns empty when the
 * lock has already passed its {@code lockAtMostFor} (the lock is then released). After
 * {@code unlock()} or {@code extend()}, the lock's methods throw {@link IllegalStateException}.
 * Times are read from ShedLock's {@code ClockProvider}.
 *
 * <p><b>Crashes.</b> The kernel frees a dead process's ports at once: a crashed holder frees the
 * lock immediately, earlier than {@code lockAtLeastFor} and {@code lockAtMostFor}, where
 * ShedLock's storage-based providers keep it until {@code lockAtMostFor}. A job that must not run
 * again within {@code lockAtLeastFor} even after a crash needs a storage-based provider.
 *
 * <p><b>Failures.</b> A lock that cannot be attempted for a reason other than contention (too
 * many open files, a non-local address in the scheme) throws ShedLock's {@code LockException};
 * so does an interrupt while the attempt completes (the interrupt status is set again).
 *
 * <p><b>Thread safety.</b> This class and its locks are thread-safe. One instance may serve any
 * number of jobs; instances of the same scheme exclude each other as processes do.
 */
public final class PortlockLockProvider implements ExtensibleLockProvider {
    private final LockKeeper keeper;

    /** Creates a provider on the default port scheme, sharing {@link AsyncPortlock#create()}. */
    public PortlockLockProvider() {
        this.keeper = new LockKeeper(AsyncPortlock.create());
    }

    /**
     * Creates a provider on the given port scheme: only locks of the same scheme exclude it.
     *
     * @param scheme the port scheme
     * @throws NullPointerException if {@code scheme} is null
     */
    public PortlockLockProvider(PortScheme scheme) {
        Objects.requireNonNull(scheme, "scheme");
        this.keeper = new LockKeeper(AsyncPortlock.builder().scheme(scheme).build());
    }

    /**
     * Takes the lock named by the configuration if it is free, without waiting.
     *
     * @param lockConfiguration the name and times of the lock
     * @return the lock, or empty if it is held (here or elsewhere)
     * @throws NullPointerException if {@code lockConfiguration} is null
     * @throws IllegalArgumentException if the name has an unpaired surrogate
     * @throws net.javacrumbs.shedlock.support.LockException if the attempt fails for a reason
     *     other than contention, or is interrupted
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration lockConfiguration) {
        return keeper.lock(lockConfiguration);
    }

    @Override
    public String toString() {
        return "PortlockLockProvider{" + keeper + "}";
    }
}
