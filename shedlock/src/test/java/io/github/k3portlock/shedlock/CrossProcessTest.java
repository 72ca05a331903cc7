package io.github.k3portlock.shedlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import net.javacrumbs.shedlock.core.ClockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;

/** {@code lockAtMostFor} and crashes across real processes: the holder is a child JVM. */
class CrossProcessTest {
    private final PortlockLockProvider provider =
            new PortlockLockProvider(PortlockLockProviderIntegrationTest.SCHEME);

    private Optional<SimpleLock> tryLock(String key) {
        return provider.lock(new LockConfiguration(ClockProvider.now(), key,
                Duration.ofMinutes(1), Duration.ZERO));
    }

    @Test
    void aHolderThatNeverUnlocksLosesTheLockAtLockAtMostFor() throws Exception {
        String key = "shedlock-" + UUID.randomUUID();
        long lockAtMostFor = 2_000;
        long before = System.nanoTime();
        Process child = ChildJvm.start(ShedLockHolder.class, key, Long.toString(lockAtMostFor));
        try {
            assertEquals("LOCKED", ChildJvm.awaitLine(child, ""));
            assertTrue(tryLock(key).isEmpty(), "got a lock the child holds");
            AtomicReference<Optional<SimpleLock>> mine = new AtomicReference<>(Optional.empty());
            Await.until("the child's lock to expire",
                    () -> mine.updateAndGet(m -> tryLock(key)).isPresent());
            long waitedMs = (System.nanoTime() - before) / 1_000_000;
            // The child took the lock after `before`; ShedLock's clock counts whole milliseconds.
            assertTrue(waitedMs >= lockAtMostFor - 1, "got it after " + waitedMs + " ms");
            assertTrue(child.isAlive(), "the child exited: the release was not lockAtMostFor's");
            mine.get().orElseThrow().unlock();
        } finally {
            child.getOutputStream().close();
            ChildJvm.awaitExit(child, Await.PATIENCE);
        }
    }

    @Test
    void aKilledHolderFreesTheLockAtOnce() throws Exception {
        String key = "shedlock-" + UUID.randomUUID();
        Process child = ChildJvm.start(ShedLockHolder.class, key, "600000");
        try {
            assertEquals("LOCKED", ChildJvm.awaitLine(child, ""));
            assertTrue(tryLock(key).isEmpty(), "got a lock the child holds");
        } finally {
            child.destroyForcibly();
            ChildJvm.awaitExit(child, Await.PATIENCE);
        }
        long killed = System.nanoTime();
        AtomicReference<Optional<SimpleLock>> mine = new AtomicReference<>(Optional.empty());
        // Ten minutes of lockAtMostFor are left: anything within the patience is "at once".
        Await.until("the lock to be free after the kill", () -> mine.updateAndGet(m -> tryLock(key))
                .isPresent());
        System.out.printf("CrossProcessTest: free %d ms after the holder was killed%n",
                (System.nanoTime() - killed) / 1_000_000);
        mine.get().orElseThrow().unlock();
    }
}
