package io.github.k3portlock.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;

/**
 * The {@code Lock} contract of Spring's registries, on the port lock. "Held elsewhere" is a
 * blocking {@link Portlock} on the same key and scheme, which binds real ports as another process
 * would.
 */
class LockContractTest {
    static final PortScheme SCHEME = PortScheme.builder().range(51_000, 4_000).build();

    private final PortlockLockRegistry registry = new PortlockLockRegistry(SCHEME);
    private final String key = "spring-" + UUID.randomUUID();

    private Portlock outsider() {
        return Portlock.builder(key).scheme(SCHEME).timeout(Duration.ZERO).build();
    }

    private boolean freeElsewhere() {
        try (Portlock probe = outsider()) {
            return probe.tryLock();
        }
    }

    @Test
    void obtainReturnsTheSameInstanceWhileInUseAndANewOneAfterExpiry() {
        Lock lock = registry.obtain(key);
        assertSame(lock, registry.obtain(key));
        lock.lock();
        registry.expireUnusedOlderThan(-1); // everything is old enough; the held lock stays
        assertSame(lock, registry.obtain(key));
        lock.unlock();
        registry.expireUnusedOlderThan(-1);
        Lock fresh = registry.obtain(key);
        assertNotSame(lock, fresh);
        registry.expireUnusedOlderThan(60_000); // obtained just now: kept
        assertSame(fresh, registry.obtain(key));
    }

    @Test
    void obtainRefusesKeysThatAreNotNonEmptyStrings() {
        assertThrows(IllegalArgumentException.class, () -> registry.obtain(42));
        assertThrows(IllegalArgumentException.class, () -> registry.obtain(null));
        assertThrows(IllegalArgumentException.class, () -> registry.obtain(""));
    }

    @Test
    void reentrantForTheOwnerAndCounted() throws Exception {
        Lock lock = registry.obtain(key);
        lock.lock();
        assertTrue(lock.tryLock());
        lock.lockInterruptibly();
        assertTrue(lock.tryLock(1, TimeUnit.MILLISECONDS));
        assertFalse(freeElsewhere());
        for (int i = 0; i < 3; i++) {
            lock.unlock();
            assertFalse(freeElsewhere(), "released after " + (i + 1) + " of 4 unlocks");
        }
        lock.unlock();
        assertTrue(freeElsewhere(), "still held after the last unlock");
        assertThrows(IllegalMonitorStateException.class, lock::unlock);
    }

    @Test
    void otherThreadsOfThisJvmAreExcludedAndCannotUnlock() throws Exception {
        Lock lock = registry.obtain(key);
        lock.lock();
        try {
            CompletableFuture.runAsync(() -> {
                assertFalse(lock.tryLock());
                assertThrows(IllegalMonitorStateException.class, lock::unlock);
            }).join();
        } finally {
            lock.unlock();
        }
        assertTrue(CompletableFuture.supplyAsync(() -> {
            boolean got = lock.tryLock();
            if (got) {
                lock.unlock();
            }
            return got;
        }).join());
    }

    @Test
    void tryLockFailsWhileHeldElsewhereAndTryLockWithTimeWaitsThatLong() throws Exception {
        Lock lock = registry.obtain(key);
        try (Portlock other = outsider()) {
            assertTrue(other.tryLock());
            assertFalse(lock.tryLock());
            long start = System.nanoTime();
            assertFalse(lock.tryLock(200, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
            assertThrows(IllegalMonitorStateException.class, lock::unlock);
        }
        assertTrue(lock.tryLock(10, TimeUnit.SECONDS));
        assertFalse(freeElsewhere());
        lock.unlock();
        assertTrue(freeElsewhere());
    }

    @Test
    void tryLockWithTimeGetsTheLockWhenTheHolderReleases() throws Exception {
        Lock lock = registry.obtain(key);
        Portlock other = outsider();
        assertTrue(other.tryLock());
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                boolean got = lock.tryLock(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                if (got) {
                    lock.unlock();
                }
                return got;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        other.release();
        assertTrue(waiting.get(Await.PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Test
    void lockInterruptiblyHonoursAnInterruptWhileWaitingAndLeavesNothingHeld() throws Exception {
        Lock lock = registry.obtain(key);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread waiter;
        try (Portlock other = outsider()) {
            assertTrue(other.tryLock());
            waiter = new Thread(() -> {
                started.countDown();
                try {
                    lock.lockInterruptibly();
                    outcome.set(new AssertionError("got the lock"));
                } catch (Throwable t) {
                    outcome.set(t);
                }
            });
            waiter.start();
            started.await();
            Await.until("the waiter to wait", () -> waiter.getState() == Thread.State.WAITING
                    || waiter.getState() == Thread.State.TIMED_WAITING);
            waiter.interrupt();
            waiter.join(Await.PATIENCE.toMillis());
            assertFalse(waiter.isAlive());
        }
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
        // The outsider's fair release may have chosen the interrupted waiter's line: this JVM
        // then keeps off the key for the hand-over grace (20 ms), so wait for it, don't sample.
        Await.until("the interrupted wait left the key free", this::freeElsewhere);
        Await.until("the interrupted wait left the local lock free", lock::tryLock);
        lock.unlock();
    }

    @Test
    void lockIgnoresInterruptsWhileWaitingAndKeepsTheStatus() throws Exception {
        Lock lock = registry.obtain(key);
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Portlock other = outsider();
        assertTrue(other.tryLock());
        Thread waiter = new Thread(() -> {
            lock.lock();
            interruptedAfter.set(Thread.currentThread().isInterrupted());
            lock.unlock();
        });
        waiter.start();
        Await.until("the waiter to wait", () -> waiter.getState() == Thread.State.WAITING);
        waiter.interrupt();
        assertTrue(waiter.isAlive());
        other.release();
        waiter.join(Await.PATIENCE.toMillis());
        assertFalse(waiter.isAlive());
        assertTrue(interruptedAfter.get());
        assertTrue(freeElsewhere());
    }

    @Test
    void newConditionIsUnsupported() {
        Lock lock = registry.obtain(key);
        assertThrows(UnsupportedOperationException.class, lock::newCondition);
    }

    @Test
    void executeLockedRunsUnderTheLockAndReleasesIt() throws Exception {
        String value = registry.executeLocked(key, () -> {
            assertFalse(freeElsewhere());
            return "done";
        });
        assertEquals("done", value);
        assertTrue(freeElsewhere());
        assertThrows(IllegalStateException.class, () -> registry.executeLocked(key, () -> {
            throw new IllegalStateException("fails inside");
        }));
        assertTrue(freeElsewhere());
        try (Portlock other = outsider()) {
            assertTrue(other.tryLock());
            assertThrows(TimeoutException.class,
                    () -> registry.executeLocked(key, Duration.ofMillis(50), () -> { }));
        }
    }
}
