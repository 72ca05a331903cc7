package io.github.k3portlock.shedlock;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A child program: {@code KEY LOCK_AT_MOST_FOR_MS} takes the ShedLock lock through
 * {@link PortlockLockProvider} (on the tests' scheme), prints {@code LOCKED} (or {@code BUSY}),
 * and never unlocks: it waits for its standard input to end, then exits.
 */
public final class ShedLockHolder {
    private ShedLockHolder() {
    }

    /**
     * Runs the child.
     *
     * @param args the key and {@code lockAtMostFor} in milliseconds
     * @throws IOException if standard input fails
     */
    public static void main(String[] args) throws IOException {
        PortlockLockProvider provider =
                new PortlockLockProvider(PortlockLockProviderIntegrationTest.SCHEME);
        Optional<SimpleLock> lock = provider.lock(new LockConfiguration(ClockProvider.now(),
                args[0], Duration.ofMillis(Long.parseLong(args[1])), Duration.ZERO));
        System.out.println(lock.isPresent() ? "LOCKED" : "BUSY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // held, never unlocked, until the parent closes our input or kills us
        }
    }
}
