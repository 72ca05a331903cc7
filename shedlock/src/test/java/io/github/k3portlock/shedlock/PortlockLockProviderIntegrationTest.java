package io.github.k3portlock.shedlock;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;

/**
 * ShedLock's own test kit, unmodified, against {@link PortlockLockProvider}. Locked and unlocked
 * are checked from outside the provider: by one attempt of a blocking {@link Portlock} on the
 * same key and scheme, which binds real ports.
 */
class PortlockLockProviderIntegrationTest extends AbstractExtensibleLockProviderIntegrationTest {
    /** A narrower range than the default: the kit's fixed names ("lock1") get other ports. */
    static final PortScheme SCHEME = PortScheme.builder().range(47_000, 4_000).build();

    private final PortlockLockProvider provider = new PortlockLockProvider(SCHEME);

    @Override
    protected ExtensibleLockProvider getLockProvider() {
        return provider;
    }

    @Override
    protected void assertLocked(String lockName) {
        assertFalse(freeNow(lockName), lockName + " is not locked");
    }

    /**
     * Waits (up to 5 s) for the lock to be free: where the kit expects a lock released by
     * {@code lockAtMostFor}, the release is made by the provider's timer thread, which a loaded
     * machine may run a little late. An {@code unlock()} frees the lock before it returns
     * ({@link ProviderSemanticsTest} checks that without waiting).
     */
    @Override
    protected void assertUnlocked(String lockName) {
        Await.until(lockName + " unlocked", Duration.ofSeconds(5), () -> freeNow(lockName));
    }

    static boolean freeNow(String key) {
        Portlock probe = Portlock.builder(key).scheme(SCHEME).timeout(Duration.ZERO).build();
        boolean got = probe.tryLock();
        probe.release();
        return got;
    }

    static void assertFree(String key) {
        assertTrue(freeNow(key), key + " is held");
    }
}
