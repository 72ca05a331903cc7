package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.awaitFds;
import static io.github.k3portlock.async.FutureFixtures.awaitFree;
import static io.github.k3portlock.async.FutureFixtures.get;
import static io.github.k3portlock.async.FutureFixtures.key;
import static io.github.k3portlock.async.FutureFixtures.ms;
import static io.github.k3portlock.async.FutureFixtures.openFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many waiters on one scheduler thread: 10,000 on one key cost at most one attempt per poll
 * interval in total and are served in order; 1,000 on distinct keys all complete. Figures are printed.
 */
class ScaleTest {
    private static final Duration SLEEP = ms(10);
    private static final Duration FIRST = ms(1);

    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private long fdsBefore;

    @BeforeEach
    void setUp() {
        scheduler.setRemoveOnCancelPolicy(true);
        fdsBefore = openFds();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        scheduler.shutdown();
        assertTrue(scheduler.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS));
    }

    @Test
    void tenThousandWaitersOnOneKeyShareOnePollerOnOneThread() throws Exception {
        String key = key();
        CountingBinder binder = new CountingBinder(PortScheme.DEFAULT.lockPorts(key).basePort(), null);
        // Without the wake: this test measures the polling (a connected key polls once a second).
        AsyncPortlock locks = AsyncPortlock.builder().scheduler(scheduler).firstDelay(FIRST)
                .sleepTime(SLEEP).build(Tuning.DEFAULT.withBinder(binder).withoutWake());
        Portlock foreign = new Portlock(key);
        await("a foreign holder", foreign::tryLock);

        int n = 10_000;
        List<Integer> order = new ArrayList<>(n); // written under the lock only
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int id = i;
            all.add(locks.acquire(key).thenAccept(h -> {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                order.add(id);
                inside.decrementAndGet();
                h.release();
            }));
        }
        long queued = System.nanoTime() - t0;
        assertEquals(n, locks.pending.get());

        // Measure the polling cost while the lock is held elsewhere, once backed off (from the
        // fifth attempt on, every delay is at the cap): wait for 100 attempts.
        await("the backoff reached sleepTime", () -> binder.attempts.get() >= 5);
        long w0 = System.nanoTime();
        long a0 = binder.attempts.get();
        long tasks0 = scheduler.getTaskCount();
        await("100 attempts while held elsewhere", () -> binder.attempts.get() - a0 >= 100);
        long attempts = binder.attempts.get() - a0;
        long tasks = scheduler.getTaskCount() - tasks0;
        long window = System.nanoTime() - w0;
        double intervals = (double) window / SLEEP.toNanos();
        // Once backed off, delays lie in [1.0, 1.2] x sleepTime: at most one attempt per sleepTime,
        // plus the one that may fall at each end of the window.
        long bound = window / SLEEP.toNanos() + 2;
        assertTrue(attempts <= bound, attempts + " attempts in " + window / 1e6 + " ms, bound " + bound);
        assertTrue(tasks <= attempts + 2, tasks + " scheduler tasks for " + attempts + " attempts");
        assertEquals(1, scheduler.getLargestPoolSize(), "a single scheduler thread");
        assertFalse(all.get(0).isDone());

        // Counted from just before the release: polls keep running until then, and a loaded
        // machine can pause this thread for several poll intervals after the window above.
        long beforeRelease = binder.attempts.get();
        long tr = System.nanoTime();
        foreign.release();
        get(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
        long drain = System.nanoTime() - tr;
        long attemptsToDrain = binder.attempts.get() - beforeRelease;

        assertEquals(0, overlaps.get());
        List<Integer> expected = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertEquals(expected, order, "served first in, first out");
        assertTrue(attemptsToDrain <= 3, "hand-over needs no attempts, got " + attemptsToDrain);
        awaitFree(key);
        assertEquals(binder.opened.get(), binder.closed.get());
        long fdsAfter = awaitFds(fdsBefore);
        System.out.printf("[scale] %d waiters on one key queued in %.0f ms; while held elsewhere:"
                        + " %d attempts (%d binds total so far) and %d scheduler tasks in %.0f ms"
                        + " = %.2f attempts per %d ms poll interval (single scheduler thread);"
                        + " after the release all %d served FIFO by hand-over in %.0f ms"
                        + " (%.1f us each, %d extra attempts); socket fds before %d after %d%n",
                n, queued / 1e6, attempts, binder.binds.get(), tasks, window / 1e6,
                attempts / intervals, SLEEP.toMillis(), n, drain / 1e6, drain / 1e3 / n,
                attemptsToDrain, fdsBefore, fdsAfter);
    }

    @Test
    void aThousandWaitersOnDistinctKeysAllComplete() throws Exception {
        int n = 1_000;
        CountingBinder binder = new CountingBinder(-1, null);
        AsyncPortlock locks = AsyncPortlock.builder().scheduler(scheduler)
                .firstDelay(FIRST).sleepTime(SLEEP).build(Tuning.DEFAULT.withBinder(binder));
        List<String> keys = new ArrayList<>(n);
        List<Portlock> foreign = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = key();
            keys.add(k);
            Portlock p = new Portlock(k);
            if (p.tryLock()) { // distinct keys may share ports: then the first holder covers both
                foreign.add(p);
            }
        }
        AtomicInteger served = new AtomicInteger();
        java.util.Queue<Long> doneAt = new java.util.concurrent.ConcurrentLinkedQueue<>();
        List<CompletableFuture<LockHandle>> all = new ArrayList<>(n);
        long t0 = System.nanoTime();
        for (String k : keys) {
            CompletableFuture<LockHandle> f = locks.acquire(k, Duration.ofMinutes(2));
            f.thenAccept(h -> {
                doneAt.add(System.nanoTime());
                served.incrementAndGet();
                h.release();
            });
            all.add(f);
        }
        long queued = System.nanoTime() - t0;
        long binds0 = binder.binds.get();
        await("every key polled at least once more", () -> binder.binds.get() - binds0 >= 2L * n);
        long held = System.nanoTime() - t0;
        long tr = System.nanoTime();
        for (Portlock p : foreign) {
            p.release();
        }

        get(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
        await("every callback ran", () -> served.get() == n);
        long drain = System.nanoTime() - tr;
        List<Long> done = new ArrayList<>(doneAt);
        java.util.Collections.sort(done);
        for (String k : keys) {
            awaitFree(k);
        }
        assertEquals(binder.opened.get(), binder.closed.get());
        await("no poller left", () -> locks.activeKeys() == 0 && locks.pending.get() == 0);
        long fdsAfter = awaitFds(fdsBefore);
        assertEquals(1, scheduler.getLargestPoolSize(), "a single scheduler thread");
        System.out.printf("[scale] %d waiters on %d distinct keys (%d held elsewhere) queued in"
                        + " %.0f ms, polled %.0f ms on one scheduler thread; all completed %.0f ms"
                        + " after the release (p50 %.0f ms, p99 %.0f ms); %d binds, %d scheduler"
                        + " tasks in total; socket fds before %d after %d%n",
                n, n, foreign.size(), queued / 1e6, held / 1e6, drain / 1e6,
                (done.get(n / 2) - tr) / 1e6, (done.get(n * 99 / 100) - tr) / 1e6,
                binder.binds.get(), scheduler.getTaskCount(), fdsBefore, fdsAfter);
    }
}
