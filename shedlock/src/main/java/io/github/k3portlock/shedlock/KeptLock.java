package io.github.k3portlock.shedlock;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * The ShedLock lock handed to the caller: ShedLock's own {@link AbstractSimpleLock} keeps the
 * "unlocked or extended once, then invalid" rule; the {@link Hold} keeps the time rules.
 */
final class KeptLock extends AbstractSimpleLock {
    private final Hold hold;

    KeptLock(LockConfiguration configuration, Hold hold) {
        super(configuration);
        this.hold = hold;
    }

    @Override
    protected void doUnlock() {
        hold.unlock(nanosUntil(lockConfiguration.getLockAtLeastUntil()));
    }

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration newConfiguration) {
        if (hold.extend(nanosUntil(newConfiguration.getLockAtMostUntil()))) {
            return Optional.of(new KeptLock(newConfiguration, hold));
        }
        return Optional.empty();
    }

    /** Nanoseconds from now (ShedLock's clock) until {@code instant}; negative when past. */
    static long nanosUntil(Instant instant) {
        Duration left = Duration.between(ClockProvider.now(), instant);
        return left.getSeconds() > Long.MAX_VALUE / 2_000_000_000L ? Long.MAX_VALUE / 2
                : left.toNanos();
    }

    @Override
    public String toString() {
        return "KeptLock{" + lockConfiguration + ", " + hold.phase() + "}";
    }
}
