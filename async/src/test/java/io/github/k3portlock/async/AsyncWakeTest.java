package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import io.github.k3portlock.testkit.KeyHolder;
import io.github.k3portlock.testkit.Tcp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Wake on release through {@link AsyncPortlock}: one line per key to the holder's port, shared by
 * the key's waiters; its reset makes the poller attempt at once; the last waiter leaving closes it.
 */
class AsyncWakeTest {
    private static String key() {
        return "wake-" + UUID.randomUUID();
    }

    private static List<Integer> lines(String... keys) {
        List<Integer> ports = new ArrayList<>();
        for (String k : keys) {
            ports.addAll(PortScheme.DEFAULT.lockPorts(k).numbers());
        }
        return Tcp.connectionsTo(ports);
    }

    /** An instance that polls every 2 s once backed off: a wake in well under 1 s is no poll. */
    private static AsyncPortlock slowPolling() {
        return AsyncPortlock.builder().sleepTime(Duration.ofSeconds(2)).build();
    }

    private void wakesAtOnce(boolean kill) throws Exception {
        String key = key();
        long fds = Fds.sockets();
        Process child = KeyHolder.hold(key);
        AsyncPortlock locks = slowPolling();
        try {
            long start = System.nanoTime();
            CompletableFuture<Long> acquired = locks.acquire(key, Duration.ofSeconds(30))
                    .thenApply(h -> {
                        long at = System.nanoTime();
                        h.release();
                        return at;
                    });
            Await.until("one line to the holder", () -> lines(key).size() == 1);
            long freedAt = System.nanoTime();
            if (kill) {
                child.destroyForcibly();
            } else {
                ChildJvm.send(child, "release");
            }
            long at = acquired.get(30, TimeUnit.SECONDS);
            long wakeMs = TimeUnit.NANOSECONDS.toMillis(at - freedAt);
            long intoWait = TimeUnit.NANOSECONDS.toMillis(freedAt - start);
            assertTrue(intoWait < 1_000, "released " + intoWait + " ms into the wait: too late");
            assertTrue(wakeMs < 1_000, "acquired " + wakeMs + " ms after the release"
                    + " (polling every 2 s)");
        } finally {
            child.destroyForcibly();
        }
        ChildJvm.awaitExit(child, Await.PATIENCE);
        Await.until("the key retired", () -> locks.activeKeys() == 0);
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aReleaseInAnotherProcessWakesTheWaiterAtOnce() throws Exception {
        wakesAtOnce(false);
    }

    @Test
    void killMinus9OfTheHolderWakesTheWaiterAtOnce() throws Exception {
        wakesAtOnce(true);
    }

    @Test
    void theLinesLocalPortIsNotAFalseHolder() throws Exception {
        String key = key();
        Process child = KeyHolder.hold(key);
        AsyncPortlock locks = slowPolling();
        try {
            CompletableFuture<LockHandle> waiter = locks.acquire(key, Duration.ofSeconds(30));
            Await.until("a line to the holder", () -> lines(key).size() == 1);
            int port = lines(key).get(0);
            // Bound the way the quorum binds a lock port (the line is a dual-stack socket).
            java.net.InetSocketAddress a = new java.net.InetSocketAddress(
                    java.net.InetAddress.getLoopbackAddress(), port);
            try (java.nio.channels.ServerSocketChannel lockPort =
                    io.github.k3portlock.internal.PortBinder.DEFAULT.open(a)) {
                io.github.k3portlock.internal.PortBinder.DEFAULT.bind(lockPort, a,
                        io.github.k3portlock.internal.PortBinder.BACKLOG);
            }
            ChildJvm.send(child, "release");
            waiter.get(30, TimeUnit.SECONDS).release();
        } finally {
            child.destroyForcibly();
        }
        Await.until("the key retired", () -> locks.activeKeys() == 0);
    }

    @Test
    void theWaitersOfAKeyShareOneLine() throws Exception {
        String key = key();
        Process child = KeyHolder.hold(key);
        AsyncPortlock locks = slowPolling();
        try {
            List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                waiters.add(locks.acquire(key, Duration.ofSeconds(30)));
            }
            Await.until("a line to the holder", () -> lines(key).size() == 1);
            assertEquals(1, lines(key).size(), "fifty waiters, one line");
            ChildJvm.send(child, "release");
            for (CompletableFuture<LockHandle> w : waiters) {
                w.get(30, TimeUnit.SECONDS).release();
            }
        } finally {
            child.destroyForcibly();
        }
        Await.until("the key retired", () -> locks.activeKeys() == 0);
    }

    @Test
    void anUncontendedAcquisitionReturnsACompletedFuture() {
        AsyncPortlock locks = AsyncPortlock.create();
        CompletableFuture<LockHandle> f = locks.acquire(key(), Duration.ofSeconds(1));
        assertTrue(f.isDone(), "no trip through the completion executor when nobody waits");
        LockHandle h = f.join();
        assertTrue(h.isValid());
        h.release();
        // A dependent registered before completion (withLock) still runs on the executor.
        AtomicLong thread = new AtomicLong();
        long me = Thread.currentThread().getId();
        locks.withLock(key(), Duration.ofSeconds(1), handle -> {
            thread.set(Thread.currentThread().getId());
            return CompletableFuture.completedFuture(null);
        }).join();
        assertTrue(thread.get() != me, "withLock's action ran on the caller's thread");
    }

    /**
     * A thousand waiters on distinct keys held in this JVM (by blocking Portlocks, outsiders to
     * the instance), each connected, then cancelled, timed out by orTimeout or completed
     * exceptionally: every line closes, nothing else stays open.
     */
    @Test
    void aThousandCancelledWaitersLeaveNoLineAndNoSocket() throws Exception {
        int keys = 100;
        int rounds = 10;
        String[] k = new String[keys];
        List<Portlock> holders = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            k[i] = key();
            Portlock p = new Portlock(k[i], Duration.ZERO);
            if (p.tryLock()) {
                holders.add(p);
            } else {
                i--; // a collision with another test's key: take another
            }
        }
        long fds = Fds.sockets();
        AsyncPortlock locks = slowPolling();
        AtomicInteger cancelled = new AtomicInteger();
        for (int r = 0; r < rounds; r++) {
            List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
            for (String key : k) {
                waiters.add(locks.acquire(key));
            }
            Await.until("a line per key", () -> lines(k).size() == keys);
            for (CompletableFuture<LockHandle> w : waiters) {
                switch (ThreadLocalRandom.current().nextInt(3)) {
                    case 0 -> w.cancel(false);
                    case 1 -> w.orTimeout(1, TimeUnit.MILLISECONDS);
                    default -> w.completeExceptionally(new IllegalStateException("gave up"));
                }
            }
            for (CompletableFuture<LockHandle> w : waiters) {
                Await.until("waiter done", w::isDone);
                assertTrue(w.isCompletedExceptionally());
                cancelled.incrementAndGet();
            }
            Await.until("no line left", () -> lines(k).isEmpty());
        }
        assertEquals(keys * rounds, cancelled.get());
        Await.until("every key retired", () -> locks.activeKeys() == 0);
        Fds.awaitSockets(fds, Await.PATIENCE);
        for (Portlock p : holders) {
            p.release();
        }
    }

    /**
     * Releases racing with wakes and cancels: a blocking Portlock keeps taking and releasing a few
     * keys; async waiters of another instance wait (through lines to it), some are cancelled. No
     * two holders overlap, lines are opened, and nothing stays open.
     */
    @Test
    void releasesRacedAgainstWakesAndCancelsLeaveNothingOpen() throws Exception {
        String[] k = {key(), key(), key()};
        long fds = Fds.sockets();
        long linesBefore = KeyWakeLine.OPENED.sum();
        AsyncPortlock locks = AsyncPortlock.builder().build();
        java.util.Map<String, AtomicInteger> inside = new java.util.concurrent.ConcurrentHashMap<>();
        for (String key : k) {
            inside.put(key, new AtomicInteger());
        }
        AtomicInteger overlaps = new AtomicInteger();
        AtomicLong acquired = new AtomicLong();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Thread outsider = new Thread(() -> {
            Portlock[] p = new Portlock[k.length];
            for (int i = 0; i < k.length; i++) {
                p[i] = new Portlock(k[i], Duration.ofSeconds(5), Duration.ofMillis(1));
            }
            while (System.nanoTime() - until < 0) {
                Portlock lock = p[ThreadLocalRandom.current().nextInt(k.length)];
                try {
                    lock.acquire();
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    lock.release();
                } catch (RuntimeException timeout) {
                    // contended by the async side: try again
                }
            }
        });
        outsider.start();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        while (System.nanoTime() - until < 0) {
            String key = k[ThreadLocalRandom.current().nextInt(k.length)];
            CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofMillis(50));
            all.add(f.thenAccept(h -> {
                if (inside.get(key).incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                inside.get(key).decrementAndGet();
                acquired.incrementAndGet();
                h.release();
            }).exceptionally(e -> null));
            if (ThreadLocalRandom.current().nextInt(4) == 0) {
                f.cancel(false);
            }
            if (all.size() % 64 == 0) {
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                        .get(30, TimeUnit.SECONDS);
                all.clear();
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        outsider.join(30_000);
        assertEquals(0, overlaps.get());
        assertTrue(acquired.get() > 0);
        assertTrue(KeyWakeLine.OPENED.sum() > linesBefore, "no line was ever opened");
        Await.until("every key retired", () -> locks.activeKeys() == 0);
        assertTrue(lines(k).isEmpty(), "lines left: " + lines(k));
        Fds.awaitSockets(fds, Await.PATIENCE);
        for (String key : k) {
            LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
            assertTrue(FutureFixtures.isFree(ports), key + " still held");
        }
    }
}
