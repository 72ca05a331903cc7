package io.github.k3portlock.async.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncLocks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The {@link AsyncLocks} contract, run by every backend's own build: one subclass per backend
 * ({@code AsyncPortlockContractTest} in this module, the ZooKeeper backend's in its module, which
 * depends on this module's test jar). Its own package, so that a modular backend's test compile
 * can read it from the class path (the package {@code io.github.k3portlock.async} belongs to the
 * async module and would be hidden there). The "other holder" is always a handle from the same
 * instance, so the tests need nothing but the interface.
 */
public abstract class AsyncLocksContract {
    /** A timeout long enough never to expire in these tests. */
    protected static final Duration LONG = Duration.ofSeconds(10);

    /** For subclasses, one per backend. */
    protected AsyncLocksContract() {
    }

    /**
     * Returns the backend under test.
     *
     * @return the backend, the same instance for the whole test
     */
    protected abstract AsyncLocks locks();

    /**
     * Asserts that the backend keeps nothing for {@code key} (no waiter, no node).
     *
     * @param key the key a test used
     * @throws Exception if the check itself fails
     */
    protected abstract void assertNothingLeftFor(String key) throws Exception;

    static String freshKey() {
        return "contract-" + UUID.randomUUID();
    }

    /**
     * Waits up to 10 s for {@code f} to fail and returns its failure.
     *
     * @param f a future expected to fail
     * @return the cause of its failure, or the {@link CancellationException}
     * @throws Exception if waiting fails, or an {@link AssertionError} if it succeeded
     */
    public static Throwable failureOf(CompletableFuture<?> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + f.join());
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (CancellationException e) {
            return e;
        }
    }

    private LockHandle take(String key) throws Exception {
        return locks().acquire(key, LONG).get(10, TimeUnit.SECONDS);
    }

    /** The key is free: a zero-wait attempt would need no one; a short timed one must succeed. */
    private void assertFree(String key) throws Exception {
        LockHandle h = locks().acquire(key, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
        assertTrue(h.isValid());
        h.release();
        assertFalse(h.isValid());
    }

    @Test
    void acquireThenReleaseThenAcquireAgain() throws Exception {
        String key = freshKey();
        LockHandle h = take(key);
        assertEquals(key, h.key());
        assertTrue(h.isValid());
        h.release();
        h.release(); // idempotent
        assertFalse(h.isValid());
        assertFree(key);
        assertNothingLeftFor(key);
    }

    @Test
    void waiterGetsTheLockWhenTheHolderReleases() throws Exception {
        String key = freshKey();
        LockHandle first = take(key);
        CompletableFuture<LockHandle> second = locks().acquire(key, LONG);
        assertThrows(TimeoutException.class, () -> second.get(200, TimeUnit.MILLISECONDS));
        first.release();
        LockHandle h = second.get(10, TimeUnit.SECONDS);
        assertTrue(h.isValid());
        h.release();
        assertNothingLeftFor(key);
    }

    @Test
    void localWaitersAreServedInArrivalOrder() throws Exception {
        String key = freshKey();
        LockHandle first = take(key);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            done.add(locks().acquire(key, LONG).thenAccept(h -> {
                order.add(n);
                h.release();
            }));
        }
        first.release();
        CompletableFuture.allOf(done.toArray(new CompletableFuture<?>[0]))
                .get(10, TimeUnit.SECONDS);
        assertEquals(List.of(0, 1, 2, 3, 4), order);
        assertNothingLeftFor(key);
    }

    @Test
    void timeoutFailsWithPortlockTimeoutExceptionAndLeavesNothing() throws Exception {
        String key = freshKey();
        LockHandle holder = take(key);
        long t0 = System.nanoTime();
        Throwable t = failureOf(locks().acquire(key, Duration.ofMillis(200)));
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;
        PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class, t);
        assertEquals(key, e.key());
        assertTrue(e.waited().toMillis() >= 200, e.waited().toString());
        assertTrue(waitedMs < 5000, "timeout took " + waitedMs + " ms");
        assertTrue(holder.isValid());
        holder.release();
        assertFree(key);
        assertNothingLeftFor(key);
    }

    @Test
    void orTimeoutAndCancelStopTheWaitAndLeaveNothing() throws Exception {
        String key = freshKey();
        LockHandle holder = take(key);
        CompletableFuture<LockHandle> timed =
                locks().acquire(key).orTimeout(150, TimeUnit.MILLISECONDS);
        assertInstanceOf(TimeoutException.class, failureOf(timed));
        CompletableFuture<LockHandle> cancelled = locks().acquire(key);
        assertTrue(cancelled.cancel(true));
        assertInstanceOf(CancellationException.class, failureOf(cancelled));
        holder.release();
        assertFree(key);
        assertNothingLeftFor(key);
    }

    @Test
    void withLockReturnsTheStagesValueAndReleases() throws Exception {
        String key = freshKey();
        String v = locks().withLock(key, LONG, h -> {
            assertTrue(h.isValid());
            return CompletableFuture.supplyAsync(() -> "value of " + h.key());
        }).get(10, TimeUnit.SECONDS);
        assertEquals("value of " + key, v);
        assertFree(key);
        assertNothingLeftFor(key);
    }

    @Test
    void withLockReleasesOnAFailedStageAThrowAndANull() throws Exception {
        String key = freshKey();
        IllegalStateException boom = new IllegalStateException("work failed");
        assertEquals(boom, failureOf(
                locks().withLock(key, LONG, h -> CompletableFuture.failedFuture(boom))));
        assertFree(key);
        assertEquals(boom, failureOf(locks().<String>withLock(key, LONG, h -> {
            throw boom;
        })));
        assertFree(key);
        assertInstanceOf(NullPointerException.class,
                failureOf(locks().<String>withLock(key, LONG, h -> null)));
        assertFree(key);
        assertNothingLeftFor(key);
    }

    @Test
    void withLockFailsWithTheAcquireFailureAndNeverCallsTheAction() throws Exception {
        String key = freshKey();
        LockHandle holder = take(key);
        AtomicBoolean called = new AtomicBoolean();
        CompletableFuture<String> r = locks().withLock(key, Duration.ofMillis(150), h -> {
            called.set(true);
            return CompletableFuture.completedFuture("no");
        });
        assertInstanceOf(PortlockTimeoutException.class, failureOf(r));
        // completed by the caller before the lock is free: the action is never called either
        CompletableFuture<String> cancelled = locks().withLock(key, LONG, h -> {
            called.set(true);
            return CompletableFuture.completedFuture("no");
        });
        assertTrue(cancelled.cancel(false));
        holder.release();
        assertFree(key);
        assertFalse(called.get());
        assertNothingLeftFor(key);
    }

    @Test
    void withLockCompletedByTheCallerWhileRunningReleasesAtOnce() throws Exception {
        String key = freshKey();
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<LockHandle> inside = new CompletableFuture<>();
        CompletableFuture<String> r = locks().withLock(key, LONG, h -> {
            inside.complete(h);
            return never;
        });
        LockHandle h = inside.get(10, TimeUnit.SECONDS);
        assertTrue(h.isValid());
        assertTrue(r.cancel(false));
        assertFalse(h.isValid());
        assertFree(key);
        assertNothingLeftFor(key);
    }

    @Test
    void misuseThrowsAtOnce() {
        assertThrows(NullPointerException.class, () -> locks().acquire(null));
        assertThrows(IllegalArgumentException.class, () -> locks().acquire(""));
        assertThrows(NullPointerException.class, () -> locks().acquire("k", null));
        assertThrows(IllegalArgumentException.class,
                () -> locks().acquire("k", Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> locks().withLock("k", LONG, null));
        assertThrows(IllegalArgumentException.class,
                () -> locks().withLock("", LONG, h -> CompletableFuture.completedFuture(1)));
    }

    @Test
    void keysWithAnUnpairedSurrogateAreRejectedAsThePortLockRejectsThem() {
        for (String key : new String[] {"\uD800", "a\uDFFF", "\uDC00\uD800b"}) {
            IllegalArgumentException byPortLock = assertThrows(IllegalArgumentException.class,
                    () -> new Portlock(key));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> locks().acquire(key), "acquire accepted an unpaired surrogate");
            assertEquals(byPortLock.getMessage(), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> locks().acquire(key, LONG), "timed acquire accepted it");
            assertEquals(byPortLock.getMessage(), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> locks().withLock(key, LONG, h -> CompletableFuture.completedFuture(1)),
                    "withLock accepted it");
            assertEquals(byPortLock.getMessage(), e.getMessage());
        }
    }

    @Test
    void aNegativeTimeoutIsRejectedAsThePortLockRejectsIt() {
        String key = freshKey();
        Duration negative = Duration.ofMillis(-1);
        IllegalArgumentException byPortLock = assertThrows(IllegalArgumentException.class,
                () -> new Portlock(key, negative));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> locks().acquire(key, negative));
        assertEquals(byPortLock.getMessage(), e.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> locks().acquire(key, null));
        assertEquals(assertThrows(NullPointerException.class,
                () -> new Portlock(key, null)).getMessage(), npe.getMessage());
    }
}
