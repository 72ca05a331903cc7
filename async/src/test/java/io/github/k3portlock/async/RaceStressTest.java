package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.awaitFds;
import static io.github.k3portlock.async.FutureFixtures.key;
import static io.github.k3portlock.async.FutureFixtures.openFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * At least 10,000 acquisitions raced against random {@code cancel}, {@code orTimeout},
 * {@code completeExceptionally} and short timeouts, on a few keys that a blocking {@link Portlock}
 * in this JVM keeps taking and releasing. Afterwards every key is free, every socket bound is
 * closed, the socket fd count is back where it was, and no two holders ever overlapped.
 */
class RaceStressTest {
    private static final int CLIENTS = 8;
    private static final int PER_CLIENT = 6_000;
    private static final int KEYS = 3;

    @Test
    void tenThousandAcquisitionsRacedAgainstCancellationLeaveNothingBehind() throws Exception {
        String[] keys = new String[KEYS];
        Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();
        for (int i = 0; i < KEYS; i++) {
            keys[i] = key();
            inside.put(keys[i], new AtomicInteger());
        }
        CountingBinder binder = new CountingBinder(-1, null);
        ScheduledThreadPoolExecutor cancellers = new ScheduledThreadPoolExecutor(2);
        cancellers.setRemoveOnCancelPolicy(true);
        ExecutorService releasers = Executors.newFixedThreadPool(2);
        AsyncPortlock locks = AsyncPortlock.builder().build(Tuning.DEFAULT.withBinder(binder));
        long fdsBefore = openFds();

        LongAdder acquired = new LongAdder();
        LongAdder cancelled = new LongAdder();
        LongAdder portlockTimeouts = new LongAdder();
        LongAdder orTimeouts = new LongAdder();
        LongAdder failedByCaller = new LongAdder();
        LongAdder unexpected = new LongAdder();
        AtomicInteger overlaps = new AtomicInteger();
        List<Throwable> surprises = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicLong togglerHolds = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();

        List<Thread> togglers = new ArrayList<>();
        for (String k : keys) {
            Thread t = new Thread(() -> {
                Portlock foreign = new Portlock(k, Duration.ofMillis(20), Duration.ofMillis(1));
                ThreadLocalRandom r = ThreadLocalRandom.current();
                while (!stop.get()) {
                    if (foreign.tryLock()) {
                        if (inside.get(k).incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        togglerHolds.incrementAndGet();
                        LockSupport.parkNanos(r.nextLong(1_000_000)); // work while holding
                        inside.get(k).decrementAndGet();
                        foreign.release();
                    }
                    LockSupport.parkNanos(r.nextLong(2_000_000)); // time away from the lock
                }
            }, "toggler-" + k);
            t.start();
            togglers.add(t);
        }

        long start = System.nanoTime();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread t = new Thread(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < PER_CLIENT; i++) {
                    String k = keys[r.nextInt(KEYS)];
                    int mode = r.nextInt(6);
                    CompletableFuture<LockHandle> f;
                    CompletableFuture<LockHandle> watched;
                    switch (mode) {
                        case 0: // cancel from another thread after a random few microseconds
                            f = locks.acquire(k);
                            watched = f;
                            cancellers.schedule(() -> f.cancel(false), r.nextLong(300), TimeUnit.MICROSECONDS);
                            break;
                        case 1: // cancel right here, racing the first attempt's completion
                            f = locks.acquire(k);
                            watched = f;
                            for (int spin = r.nextInt(200); spin > 0; spin--) {
                                Thread.onSpinWait();
                            }
                            f.cancel(true);
                            break;
                        case 2:
                            f = locks.acquire(k);
                            watched = f.orTimeout(r.nextLong(3_000), TimeUnit.MICROSECONDS);
                            break;
                        case 3:
                            f = locks.acquire(k, Duration.ofNanos(r.nextLong(3_000_000)));
                            watched = f;
                            break;
                        case 4:
                            f = locks.acquire(k);
                            watched = f;
                            cancellers.schedule(() -> f.completeExceptionally(new IllegalStateException("caller")),
                                    r.nextLong(500), TimeUnit.MICROSECONDS);
                            break;
                        default: // wait as long as it takes
                            f = locks.acquire(k);
                            watched = f;
                            break;
                    }
                    CompletableFuture<Void> settled = watched.handle((h, e) -> {
                        if (h != null) {
                            acquired.increment();
                            if (inside.get(k).incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            // A critical section of real length (0-200 us), so that a second
                            // holder would be caught inside; left just before the release.
                            ThreadLocalRandom here = ThreadLocalRandom.current();
                            LockSupport.parkNanos(here.nextLong(200_000));
                            if (here.nextBoolean()) {
                                releasers.execute(() -> { // from another thread
                                    inside.get(k).decrementAndGet();
                                    h.release();
                                });
                            } else {
                                inside.get(k).decrementAndGet();
                                h.release();
                                h.release(); // double release: no effect
                            }
                        } else {
                            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                            if (cause instanceof CancellationException) {
                                cancelled.increment();
                            } else if (cause instanceof PortlockTimeoutException) {
                                portlockTimeouts.increment();
                            } else if (cause instanceof TimeoutException) {
                                orTimeouts.increment();
                            } else if (cause instanceof IllegalStateException) {
                                failedByCaller.increment();
                            } else {
                                unexpected.increment();
                                surprises.add(cause);
                            }
                        }
                        return null;
                    });
                    settled.orTimeout(60, TimeUnit.SECONDS).join();
                }
            }, "client-" + c);
            t.start();
            clients.add(t);
        }
        for (Thread t : clients) {
            t.join(Duration.ofMinutes(3).toMillis());
            assertTrue(!t.isAlive(), t.getName() + " finished");
        }
        long elapsed = System.nanoTime() - start;
        stop.set(true);
        for (Thread t : togglers) {
            t.join(Duration.ofSeconds(30).toMillis());
        }
        releasers.shutdown();
        assertTrue(releasers.awaitTermination(30, TimeUnit.SECONDS));
        cancellers.shutdown();
        assertTrue(cancellers.awaitTermination(30, TimeUnit.SECONDS));

        await("every socket the async side bound is closed", () -> binder.openNow() == 0);
        for (String k : keys) {
            FutureFixtures.awaitFree(k);
        }
        long fdsAfter = awaitFds(fdsBefore);
        await("no waiter and no poller left", () -> locks.pending.get() == 0 && locks.activeKeys() == 0);

        long total = (long) CLIENTS * PER_CLIENT;
        long outcomes = acquired.sum() + cancelled.sum() + portlockTimeouts.sum() + orTimeouts.sum()
                + failedByCaller.sum() + unexpected.sum();
        System.out.printf("[race-stress] %d acquisitions on %d keys by %d clients in %.2f s:"
                        + " %d acquired, %d cancelled, %d PortlockTimeout, %d orTimeout,"
                        + " %d completed by caller, %d unexpected; %d grants raced by a completion"
                        + " elsewhere and released; toggler holds %d;"
                        + " sockets opened %d closed %d; socket fds before %d after %d%n",
                total, KEYS, CLIENTS, elapsed / 1e9, acquired.sum(), cancelled.sum(),
                portlockTimeouts.sum(), orTimeouts.sum(), failedByCaller.sum(), unexpected.sum(),
                locks.grantsRefused.sum(), togglerHolds.get(), binder.opened.get(), binder.closed.get(), fdsBefore, fdsAfter);
        assertEquals(total, outcomes, "every acquisition settled exactly once");
        assertEquals(0, unexpected.sum(), "unexpected failures: " + surprises);
        assertEquals(0, overlaps.get(), "two holders of one key at once");
        assertTrue(acquired.sum() > 0 && cancelled.sum() > 0 && orTimeouts.sum() + portlockTimeouts.sum() > 0,
                "the races actually happened");
        assertTrue(togglerHolds.get() > 0, "the foreign holder took the lock now and then");
        assertTrue(locks.grantsRefused.sum() > 0,
                "some grants raced a completion elsewhere (the race this test is for happened)");
        assertEquals(binder.opened.get(), binder.closed.get());
        assertTrue(fdsAfter <= fdsBefore, "socket fds before " + fdsBefore + ", after " + fdsAfter);
    }
}
