package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.awaitFree;
import static io.github.k3portlock.async.FutureFixtures.get;
import static io.github.k3portlock.async.FutureFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * How futures are delivered through the completion executor when callbacks block or the executor
 * drops work. Regression tests for review findings (originally ReviewReproTest).
 */
class CompletionDeliveryTest {
    /**
     * More callbacks than the old fixed default pool had threads (max(4, cores)) each block on
     * another acquisition. With a bounded pool, the inner grants and even their timeouts queue
     * behind the blocked callbacks forever, with the ports bound.
     */
    @Test
    void callbacksBlockingOnOtherAcquisitionsDoNotStarveTheirDelivery() throws Exception {
        AsyncPortlock locks = AsyncPortlock.create();
        int n = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
        CyclicBarrier allIn = new CyclicBarrier(n);
        List<CompletableFuture<String>> outer = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Portlock> foreign = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = key();
            String k2 = key();
            keys.add(k);
            keys.add(k2);
            Portlock p = new Portlock(k);
            await("a foreign holder takes '" + k + "'", p::tryLock);
            foreign.add(p);
            // Held elsewhere, so that the callback is attached before the future completes and
            // runs on the completion pool.
            outer.add(locks.acquire(k).thenApply(h -> {
                try {
                    allIn.await(FutureFixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS); // all n block at once
                    CompletableFuture<LockHandle> f = locks.acquire(k2, Duration.ofMillis(200));
                    LockHandle o = f.get(10, TimeUnit.SECONDS); // blocks a completion thread
                    o.release();
                    return "delivered";
                } catch (TimeoutException e) {
                    return "starved";
                } catch (Exception e) {
                    return "failed: " + e;
                } finally {
                    h.release();
                }
            }));
        }
        for (Portlock p : foreign) {
            p.release();
        }
        for (CompletableFuture<String> f : outer) {
            assertEquals("delivered", get(f));
        }
        for (String k : keys) {
            awaitFree(k);
        }
    }

    /**
     * A user completion executor accepts the task delivering a handle, then drops it with
     * {@code shutdownNow()}. The watchdog takes the handle back: the future fails with a clear
     * error, the ports are closed and the key is not left held by nobody.
     */
    @Test
    void aGrantDroppedByShutdownNowOfTheCompletionExecutorIsTakenBackAndPassedOn() throws Exception {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>());
        CountDownLatch block = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        executor.execute(() -> {
            blocking.countDown();
            try {
                block.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(blocking.await(FutureFixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS));
        String k = key();
        CountingBinder binder = new CountingBinder(-1, null);
        AsyncPortlock locks = AsyncPortlock.builder().completionExecutor(executor)
                .build(Tuning.DEFAULT.withBinder(binder).withShutdownCheck(Duration.ofMillis(50)));
        // Free: taken at once on this thread and returned complete (no delivery); its release
        // hands the lock to the first waiter, whose delivery queues behind the blocking task.
        CompletableFuture<LockHandle> zero = locks.acquire(k, Duration.ofMinutes(1));
        assertTrue(zero.isDone(), "the uncontended acquisition completes on the caller's thread");
        CompletableFuture<LockHandle> first = locks.acquire(k, Duration.ofMinutes(1));
        CompletableFuture<LockHandle> second = locks.acquire(k, Duration.ofMinutes(1)); // queued
        zero.join().release();
        assertEquals(1, executor.getQueue().size(), "the grant is queued in the executor");
        assertFalse(first.isDone());
        assertEquals(1, executor.shutdownNow().size(), "shutdownNow dropped the delivery");

        Throwable e = FutureFixtures.failure(first);
        assertInstanceOf(PortlockException.class, e);
        assertFalse(e instanceof PortlockTimeoutException, e.toString());
        assertTrue(e.getMessage().contains(k) && e.getMessage().contains("shut down"), e.getMessage());
        // The lock went to the queued waiter, whose delivery the shut-down executor refuses.
        Throwable e2 = FutureFixtures.failure(second);
        assertInstanceOf(PortlockException.class, e2);
        assertTrue(e2.getMessage().contains(k), e2.getMessage());
        awaitFree(k);
        await("every socket bound is closed", () -> binder.openNow() == 0);
        await("no poller and no waiter left", () -> locks.activeKeys() == 0 && locks.pending.get() == 0);
        // Nobody holds the key: a later acquisition takes it on the calling thread and needs no
        // task from the shut-down executor (the uncontended fast path), so nothing is lost.
        CompletableFuture<LockHandle> later = locks.acquire(k, Duration.ofMinutes(1));
        assertTrue(later.isDone() && !later.isCompletedExceptionally(), later.toString());
        later.join().release();
        // Held elsewhere, it queues; its grant needs the executor, which refuses: a clear failure
        // at once instead of queuing behind a handle nobody has.
        CompletableFuture<LockHandle> held = locks.acquire(k, Duration.ofMinutes(1));
        CompletableFuture<LockHandle> refused = locks.acquire(k, Duration.ofMinutes(1));
        held.join().release();
        assertInstanceOf(PortlockException.class, FutureFixtures.failure(refused));
        awaitFree(k);
    }
}
