package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.awaitFds;
import static io.github.k3portlock.async.FutureFixtures.awaitFree;
import static io.github.k3portlock.async.FutureFixtures.failure;
import static io.github.k3portlock.async.FutureFixtures.get;
import static io.github.k3portlock.async.FutureFixtures.isFree;
import static io.github.k3portlock.async.FutureFixtures.key;
import static io.github.k3portlock.async.FutureFixtures.ms;
import static io.github.k3portlock.async.FutureFixtures.openFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code withLock} releases the lock on every outcome, before the result completes. */
class WithLockTest {
    private final String key = key();
    private final LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
    private final CountingBinder binder = new CountingBinder(ports.basePort(), null);
    private final AsyncPortlock locks = AsyncPortlock.builder()
            .build(Tuning.DEFAULT.withBinder(binder));
    private final AtomicReference<LockHandle> seen = new AtomicReference<>();
    private long fdsBefore;

    @BeforeEach
    void countFds() {
        fdsBefore = openFds();
    }

    @AfterEach
    void released() {
        await("every socket this instance bound is closed", () -> binder.openNow() == 0);
        awaitFree(key);
        awaitFds(fdsBefore);
        if (seen.get() != null) {
            assertFalse(seen.get().isValid(), "the action's handle was released");
        }
    }

    @Test
    void successReleasesBeforeTheResultCompletes() throws Exception {
        CompletableFuture<Boolean> heldAfter = locks.withLock(key, Duration.ofSeconds(10), h -> {
            seen.set(h);
            boolean heldInside = h.isValid() && !isFree(ports);
            return CompletableFuture.supplyAsync(() -> heldInside);
        }).thenApply(heldInside -> {
            assertTrue(heldInside, "the action ran under the lock");
            return seen.get().isValid();
        });
        assertFalse(get(heldAfter), "released before dependents of the result run");
    }

    @Test
    void aDependentOfTheResultCanTakeTheSameLockAgainWithoutDeadlock() throws Exception {
        CompletableFuture<String> again = locks.withLock(key, Duration.ofSeconds(10),
                h -> CompletableFuture.completedFuture("one"))
                .thenApply(one -> one + "+" + locks.withLock(key, Duration.ofSeconds(10),
                        h -> CompletableFuture.completedFuture("two")).join());
        assertEquals("one+two", get(again));
    }

    @Test
    void aFailedStageFailsTheResultAndReleases() {
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Object> r = locks.withLock(key, Duration.ofSeconds(10), h -> {
            seen.set(h);
            return CompletableFuture.failedFuture(boom);
        });
        assertSame(boom, failure(r));
        assertTrue(isFree(ports));
    }

    @Test
    void anActionThatThrowsFailsTheResultAndReleases() {
        IllegalArgumentException boom = new IllegalArgumentException("thrown by the action");
        CompletableFuture<Object> r = locks.withLock(key, Duration.ofSeconds(10), h -> {
            seen.set(h);
            throw boom;
        });
        assertSame(boom, failure(r));
    }

    @Test
    void anActionThatReturnsNullFailsWithNpeAndReleases() {
        CompletableFuture<Object> r = locks.withLock(key, Duration.ofSeconds(10), h -> {
            seen.set(h);
            return null;
        });
        NullPointerException e = assertInstanceOf(NullPointerException.class, failure(r));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void cancellingTheResultReleasesAtOnceAndLeavesTheStageAlone() throws Exception {
        CompletableFuture<String> stage = new CompletableFuture<>();
        CompletableFuture<String> r = locks.withLock(key, Duration.ofSeconds(10), h -> {
            seen.set(h);
            return stage;
        });
        await("the action started", () -> seen.get() != null);
        assertFalse(isFree(ports));
        assertTrue(r.cancel(true));
        assertFalse(seen.get().isValid(), "released by the cancellation");
        assertTrue(isFree(ports));
        assertFalse(stage.isDone(), "the action's stage is not cancelled for it");
        stage.complete("late"); // completing later changes nothing
        assertInstanceOf(CancellationException.class, failure(r));
    }

    @Test
    void orTimeoutOnTheResultReleases() {
        CompletableFuture<String> never = new CompletableFuture<>();
        CompletableFuture<String> r = locks.withLock(key, Duration.ofSeconds(10), h -> {
            seen.set(h);
            return never;
        }).orTimeout(100, TimeUnit.MILLISECONDS);
        assertInstanceOf(TimeoutException.class, failure(r));
        await("released after orTimeout", () -> seen.get() != null && !seen.get().isValid());
    }

    @Test
    void cancellingWhileStillAcquiringNeverRunsTheAction() throws Exception {
        Portlock foreign = new Portlock(key);
        await("a foreign holder", foreign::tryLock);
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<String> r;
        try {
            r = locks.withLock(key, Duration.ofSeconds(60), h -> {
                ran.set(true);
                return CompletableFuture.completedFuture("x");
            });
            await("polling", () -> binder.attempts.get() >= 2);
            assertTrue(r.cancel(false));
            await("the acquisition stopped", () -> locks.pending.get() == 0);
        } finally {
            foreign.release();
        }
        awaitFree(key);
        assertFalse(ran.get());
        assertTrue(r.isCancelled());
    }

    @Test
    void anAcquisitionTimeoutFailsTheResultAndNeverRunsTheAction() {
        Portlock foreign = new Portlock(key);
        await("a foreign holder", foreign::tryLock);
        AtomicBoolean ran = new AtomicBoolean();
        try {
            CompletableFuture<String> r = locks.withLock(key, ms(100), h -> {
                ran.set(true);
                return CompletableFuture.completedFuture("x");
            });
            PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class, failure(r));
            assertEquals(key, e.key());
        } finally {
            foreign.release();
        }
        assertFalse(ran.get());
    }

    @Test
    void theActionRunsOnTheCompletionExecutor() throws Exception {
        AsyncPortlock shared = AsyncPortlock.create();
        CompletableFuture<String> r = shared.withLock(key, Duration.ofSeconds(10),
                h -> CompletableFuture.completedFuture(Thread.currentThread().getName()));
        assertTrue(get(r).startsWith("k3portlock-async-completion-"), get(r));
    }

    @Test
    void withLockPipelinesComposeAndSerialise() throws Exception {
        StringBuilder log = new StringBuilder(); // guarded by the lock itself
        CompletableFuture<?>[] all = new CompletableFuture<?>[20];
        for (int i = 0; i < all.length; i++) {
            int n = i;
            all[i] = locks.withLock(key, Duration.ofSeconds(60), h -> CompletableFuture.runAsync(() -> {
                log.append('(').append(n);
                Thread.yield();
                log.append(')');
            }));
        }
        get(CompletableFuture.allOf(all));
        String s = log.toString();
        assertEquals(-1, s.indexOf("(("), "no two sections overlapped: " + s);
        assertEquals(all.length, s.chars().filter(c -> c == ')').count());
    }

    /**
     * Regression (review 2b): the result is cancelled after the lock reached withLock's callback
     * but before the action was called (a test seam runs right in that window, and a manual
     * executor decides when the callback runs). The cancellation's hook releases the lock and
     * hands it on; the action must then not be called at all.
     */
    @Test
    void aCancellationJustBeforeTheActionStartsMeansTheActionNeverRuns() throws Exception {
        ManualExecutor manual = new ManualExecutor();
        AtomicReference<LockHandle> heldInWindow = new AtomicReference<>();
        AsyncPortlock racy = AsyncPortlock.builder().completionExecutor(manual)
                .build(Tuning.DEFAULT.withBinder(binder).withBeforeAction(result -> {
                    assertTrue(result.cancel(false), "the caller cancels first");
                }));
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<String> r = racy.withLock(key, Duration.ofSeconds(10), h -> {
            ran.set(true);
            heldInWindow.set(h);
            return CompletableFuture.completedFuture("ran");
        });
        CompletableFuture<LockHandle> next = racy.acquire(key, Duration.ofSeconds(10));
        assertFalse(r.isDone());
        assertFalse(next.isDone(), "queued behind withLock's handle");
        manual.runAll(); // delivers to withLock (cancelled in the window), then hands on to next
        assertTrue(r.isCancelled());
        assertFalse(ran.get(), "the action ran after the cancellation released the lock: "
                + heldInWindow.get());
        LockHandle n = next.getNow(null);
        assertTrue(n != null && n.isValid(), "the lock went on to the next waiter");
        n.release();
        assertTrue(isFree(ports));
    }
}
