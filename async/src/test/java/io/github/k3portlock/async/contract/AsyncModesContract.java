package io.github.k3portlock.async.contract;

import static io.github.k3portlock.async.contract.AsyncLocksContract.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The {@link AsyncLocks} contract of shared holds ({@link LockMode}) and semaphore permits, run
 * by every backend's own build beside {@link AsyncLocksContract}: one subclass per backend. The
 * other holders are handles of the same instance, so the tests need nothing but the interface.
 */
public abstract class AsyncModesContract {
    /** A timeout long enough never to expire in these tests. */
    protected static final Duration LONG = Duration.ofSeconds(20);
    /** How long a future that must wait is watched not to complete. */
    private static final long QUIET_MS = 300;

    /** For subclasses, one per backend. */
    protected AsyncModesContract() {
    }

    /**
     * Returns the backend under test.
     *
     * @return the backend, the same instance for the whole test
     */
    protected abstract AsyncLocks locks();

    /**
     * Asserts that the backend keeps nothing for the lock {@code key}, in either mode.
     *
     * @param key the key a test used
     * @throws Exception if the check itself fails
     */
    protected abstract void assertNothingLeftFor(String key) throws Exception;

    /**
     * Asserts that the backend keeps nothing for the semaphore {@code key} of {@code permits}.
     *
     * @param key the semaphore's key
     * @param permits its permits
     * @throws Exception if the check itself fails
     */
    protected abstract void assertNoPermitLeftFor(String key, int permits) throws Exception;

    /**
     * How many acquisitions each race test makes; thousands, or fewer where each costs a
     * server round trip.
     *
     * @return the count
     */
    protected int raceCount() {
        return 2000;
    }

    static String freshKey() {
        return "modes-" + UUID.randomUUID();
    }

    private LockHandle take(String key, LockMode mode) throws Exception {
        return locks().acquire(key, mode, LONG).get(30, TimeUnit.SECONDS);
    }

    private static void assertStillWaiting(CompletableFuture<?> f) {
        assertThrows(TimeoutException.class, () -> f.get(QUIET_MS, TimeUnit.MILLISECONDS),
                "completed while it should wait");
    }

    @Test
    void sharedHoldsCoexist() throws Exception {
        String key = freshKey();
        LockHandle a = take(key, LockMode.SHARED);
        LockHandle b = locks().acquire(key, LockMode.SHARED, Duration.ZERO)
                .get(10, TimeUnit.SECONDS);
        assertTrue(a.isValid() && b.isValid());
        assertEquals(key, b.key());
        a.release();
        b.release();
        assertFalse(a.isValid() || b.isValid());
        assertNothingLeftFor(key);
    }

    @Test
    void exclusiveExcludesSharedAndSharedExcludesExclusive() throws Exception {
        String key = freshKey();
        LockHandle writer = take(key, LockMode.EXCLUSIVE);
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks().acquire(key, LockMode.SHARED, Duration.ofMillis(100))));
        CompletableFuture<LockHandle> reader = locks().acquire(key, LockMode.SHARED, LONG);
        assertStillWaiting(reader);
        writer.release();
        LockHandle r = reader.get(10, TimeUnit.SECONDS);
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks().acquire(key, Duration.ofMillis(100))));
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks().acquire(key, LockMode.EXCLUSIVE, Duration.ZERO)));
        CompletableFuture<LockHandle> next = locks().acquire(key, LockMode.EXCLUSIVE, LONG);
        assertStillWaiting(next);
        r.release();
        next.get(10, TimeUnit.SECONDS).release();
        assertNothingLeftFor(key);
    }

    @Test
    void aWaitingWriterKeepsLaterReadersOut() throws Exception {
        String key = freshKey();
        LockHandle first = take(key, LockMode.SHARED);
        CompletableFuture<LockHandle> writer = locks().acquire(key, LockMode.EXCLUSIVE, LONG);
        assertStillWaiting(writer);
        CompletableFuture<LockHandle> later = locks().acquire(key, LockMode.SHARED, LONG);
        assertStillWaiting(later); // queued behind the writer, as Curator queues readers
        first.release();
        LockHandle w = writer.get(10, TimeUnit.SECONDS);
        assertStillWaiting(later);
        w.release();
        later.get(10, TimeUnit.SECONDS).release();
        assertNothingLeftFor(key);
    }

    @Test
    void sharedWithLockRunsTogether() throws Exception {
        String key = freshKey();
        CompletableFuture<String> bothIn = new CompletableFuture<>();
        CompletableFuture<String> a = locks().withLock(key, LockMode.SHARED, LONG,
                h -> bothIn.thenApply(v -> "a " + v));
        CompletableFuture<String> b = locks().withLock(key, LockMode.SHARED, LONG,
                h -> {
                    bothIn.complete("together"); // a still holds: readers overlap
                    return CompletableFuture.completedFuture("b");
                });
        assertEquals("b", b.get(10, TimeUnit.SECONDS));
        assertEquals("a together", a.get(10, TimeUnit.SECONDS));
        assertNothingLeftFor(key);
    }

    @Test
    void permitsCount() throws Exception {
        String key = freshKey();
        LockHandle p1 = locks().acquirePermit(key, 2, LONG).get(10, TimeUnit.SECONDS);
        LockHandle p2 = locks().acquirePermit(key, 2, LONG).get(10, TimeUnit.SECONDS);
        assertTrue(p1.isValid() && p2.isValid());
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks().acquirePermit(key, 2, Duration.ofMillis(100))));
        CompletableFuture<LockHandle> third = locks().acquirePermit(key, 2, LONG);
        assertStillWaiting(third);
        p1.release();
        LockHandle p3 = third.get(10, TimeUnit.SECONDS);
        assertTrue(p3.isValid());
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks().acquirePermit(key, 2, Duration.ZERO)));
        p2.release();
        p3.release();
        p3.release(); // once; later releases do nothing
        assertNoPermitLeftFor(key, 2);
    }

    @Test
    void aSemaphoreIsApartFromTheLockOfTheSameKey() throws Exception {
        String key = freshKey();
        LockHandle lock = take(key, LockMode.EXCLUSIVE);
        LockHandle permit = locks().acquirePermit(key, 1, Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
        assertTrue(lock.isValid() && permit.isValid());
        permit.release();
        lock.release();
        assertNothingLeftFor(key);
        assertNoPermitLeftFor(key, 1);
    }

    @Test
    void misuseThrowsAtOnce() {
        assertThrows(NullPointerException.class, () -> locks().acquire("k", null, LONG));
        assertThrows(NullPointerException.class,
                () -> locks().acquire(null, LockMode.SHARED, LONG));
        assertThrows(IllegalArgumentException.class,
                () -> locks().acquire("", LockMode.SHARED, LONG));
        assertThrows(IllegalArgumentException.class,
                () -> locks().acquire("k", LockMode.SHARED, Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class,
                () -> locks().withLock("k", LockMode.SHARED, LONG, null));
        assertThrows(NullPointerException.class, () -> locks().acquirePermit(null, 1, LONG));
        assertThrows(IllegalArgumentException.class, () -> locks().acquirePermit("", 1, LONG));
        assertThrows(IllegalArgumentException.class, () -> locks().acquirePermit("k", 0, LONG));
        assertThrows(IllegalArgumentException.class, () -> locks().acquirePermit("k", -3, LONG));
        assertThrows(IllegalArgumentException.class,
                () -> locks().acquirePermit("k", 1, Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> locks().acquirePermit("k", 1, null));
        assertThrows(IllegalArgumentException.class,
                () -> locks().acquirePermit("\uD800", 1, LONG));
    }

    @Test
    void sharedCancelAndTimeoutRacesLeaveNothing() throws Exception {
        String key = freshKey();
        race(() -> take(key, LockMode.EXCLUSIVE),
                t -> locks().acquire(key, LockMode.SHARED, t));
        assertNothingLeftFor(key);
    }

    @Test
    void permitCancelAndTimeoutRacesLeaveNothing() throws Exception {
        String key = freshKey();
        race(() -> locks().acquirePermit(key, 1, LONG).get(30, TimeUnit.SECONDS),
                t -> locks().acquirePermit(key, 1, t));
        assertNoPermitLeftFor(key, 1);
    }

    /** What a race takes: a holder to wait behind, and acquisitions with a timeout. */
    private interface Holder {
        LockHandle take() throws Exception;
    }

    private interface Acquire {
        CompletableFuture<LockHandle> start(Duration timeout);
    }

    /**
     * {@link #raceCount()} acquisitions in rounds of 100 behind a holder released half-way, each
     * ended by a cancel, an {@code orTimeout}, its own timeout, or a grant: handles granted to a
     * future completed elsewhere must be released by the backend, the others by us.
     */
    private void race(Holder holder, Acquire acquire) throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        AtomicInteger granted = new AtomicInteger();
        for (int round = 0; round < Math.max(1, raceCount() / 100); round++) {
            LockHandle h = holder.take();
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                if (i == 50) {
                    h.release(); // grants now race with the completions below
                }
                CompletableFuture<LockHandle> f = switch (i % 4) {
                    case 0 -> acquire.start(LONG);
                    case 1 -> acquire.start(LONG).orTimeout(rnd.nextInt(3), TimeUnit.MILLISECONDS);
                    case 2 -> acquire.start(Duration.ofMillis(rnd.nextInt(3)));
                    default -> acquire.start(LONG);
                };
                if (i % 4 == 0) {
                    f.cancel(false);
                }
                // A handle this future took is ours to release; any other, the backend's.
                all.add(f.handle((got, failure) -> {
                    if (got != null) {
                        granted.incrementAndGet();
                        got.release();
                    }
                    return null;
                }));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                    .get(120, TimeUnit.SECONDS);
        }
        assertTrue(granted.get() > 0, "no acquisition ever won a race");
    }
}
