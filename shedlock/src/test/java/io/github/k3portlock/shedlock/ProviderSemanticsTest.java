package io.github.k3portlock.shedlock;

import static io.github.k3portlock.shedlock.PortlockLockProviderIntegrationTest.assertFree;
import static io.github.k3portlock.shedlock.PortlockLockProviderIntegrationTest.freeNow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;

/** What the kit does not check: no waiting, no reentrancy, prompt release, the timer's phases. */
class ProviderSemanticsTest {
    private final PortlockLockProvider provider =
            new PortlockLockProvider(PortlockLockProviderIntegrationTest.SCHEME);
    private final String key = "shedlock-" + UUID.randomUUID();

    private Optional<SimpleLock> lock(Duration atMost, Duration atLeast) {
        return provider.lock(new LockConfiguration(ClockProvider.now(), key, atMost, atLeast));
    }

    @Test
    void unlockFreesTheLockBeforeReturning() {
        SimpleLock lock = lock(Duration.ofMinutes(1), Duration.ZERO).orElseThrow();
        assertFalse(freeNow(key));
        lock.unlock();
        assertFree(key); // no wait
        assertThrows(IllegalStateException.class, lock::unlock);
    }

    @Test
    void lockIsNotReentrantEvenForTheHoldingThread() {
        SimpleLock lock = lock(Duration.ofMinutes(1), Duration.ZERO).orElseThrow();
        assertTrue(lock(Duration.ofMinutes(1), Duration.ZERO).isEmpty());
        assertTrue(new PortlockLockProvider(PortlockLockProviderIntegrationTest.SCHEME)
                .lock(new LockConfiguration(ClockProvider.now(), key, Duration.ofMinutes(1),
                        Duration.ZERO)).isEmpty(), "a second provider got it");
        lock.unlock();
    }

    @Test
    void lockDoesNotWaitForAHolder() {
        try (Portlock other = Portlock.builder(key)
                .scheme(PortlockLockProviderIntegrationTest.SCHEME)
                .timeout(Duration.ZERO).build()) {
            assertTrue(other.tryLock());
            // The holder releases only after this returns: a lock() that waited would hang.
            assertTrue(lock(Duration.ofMinutes(1), Duration.ZERO).isEmpty());
        }
    }

    @Test
    void theTimerReleasesAnUnlockedLockAtLockAtLeastForThenPhasesEnd() {
        SimpleLock lock = lock(Duration.ofMinutes(1), Duration.ofMillis(300)).orElseThrow();
        KeptLock kept = (KeptLock) lock;
        lock.unlock();
        assertFalse(freeNow(key), "released before lockAtLeastFor");
        Await.until("release at lockAtLeastFor", () -> freeNow(key));
        assertTrue(kept.toString().contains("RELEASED"), kept.toString());
    }

    @Test
    void unlockAfterLockAtMostForDoesNothingAndDoesNotThrow() {
        SimpleLock lock = lock(Duration.ofMillis(50), Duration.ZERO).orElseThrow();
        Await.until("release at lockAtMostFor", () -> freeNow(key));
        SimpleLock next = lock(Duration.ofMinutes(1), Duration.ZERO).orElseThrow();
        lock.unlock(); // must not release the next holder's lock
        assertFalse(freeNow(key), "the expired lock's unlock released the next holder");
        next.unlock();
        assertFree(key);
    }

    @Test
    void aLockTakenFromManyThreadsAtOnceGoesToOneAtMost() {
        int n = 8;
        CompletableFuture<?>[] tries = new CompletableFuture<?>[n];
        Optional<?>[] results = new Optional<?>[n];
        for (int i = 0; i < n; i++) {
            int me = i;
            tries[i] = CompletableFuture.runAsync(
                    () -> results[me] = lock(Duration.ofMinutes(1), Duration.ZERO));
        }
        CompletableFuture.allOf(tries).join();
        int got = 0;
        for (Optional<?> r : results) {
            if (r.isPresent()) {
                got++;
                ((SimpleLock) r.get()).unlock();
            }
        }
        assertTrue(got <= 1, got + " threads got the lock");
        assertFree(key);
    }
}
