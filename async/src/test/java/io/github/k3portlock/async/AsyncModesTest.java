package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.PortSemaphore;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.Fds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Shared holds and permits of {@link AsyncPortlock} beside the blocking {@link Portlock} and
 * {@link PortSemaphore} (the same ports, so they exclude and count together), and what races
 * leave behind in an instance of their own: no socket, no poller, no waiter.
 */
class AsyncModesTest {
    private static String freshKey() {
        return "async-modes-" + UUID.randomUUID();
    }

    @Test
    void asyncReadersAndBlockingWritersExcludeEachOther() throws Exception {
        String key = freshKey();
        AsyncPortlock locks = AsyncPortlock.create();
        try (Portlock writer = new Portlock(key, Duration.ZERO)) {
            assertTrue(writer.tryLock());
            CompletableFuture<LockHandle> reader = locks.acquire(key, LockMode.SHARED,
                    Duration.ofSeconds(20));
            assertThrows(TimeoutException.class, () -> reader.get(300, TimeUnit.MILLISECONDS));
            writer.release(); // wakes the async reader
            LockHandle r = reader.get(10, TimeUnit.SECONDS);
            assertFalse(writer.tryLock(), "a blocking writer got in beside an async reader");
            try (Portlock blockingReader = Portlock.builder(key).mode(LockMode.SHARED)
                    .timeout(Duration.ZERO).build()) {
                assertTrue(blockingReader.tryLock(), "readers of both front ends hold together");
            }
            r.release();
            assertTrue(writer.tryLock());
        }
    }

    @Test
    void asyncPermitsAndPortSemaphoresCountTogether() throws Exception {
        String key = freshKey();
        PortSemaphore blocking = PortSemaphore.builder(key, 2).timeout(Duration.ZERO).build();
        LockHandle a = AsyncPortlock.create().acquirePermit(key, 2, Duration.ofSeconds(5))
                .get(10, TimeUnit.SECONDS);
        Optional<LockHandle> b = blocking.tryAcquire();
        assertTrue(b.isPresent());
        assertEquals(Optional.empty(), blocking.tryAcquire(), "a third permit");
        assertInstanceOf(PortlockTimeoutException.class, FutureFixtures.failure(
                AsyncPortlock.create().acquirePermit(key, 2, Duration.ofMillis(50))));
        a.release();
        Optional<LockHandle> c = blocking.tryAcquire();
        assertTrue(c.isPresent(), "the async permit was returned");
        b.get().release();
        c.get().release();
    }

    @Test
    void thousandsOfRacesLeaveNoSocketNoPollerNoWaiter() throws Exception {
        AsyncPortlock locks = AsyncPortlock.builder().build();
        String key = freshKey();
        long before = Fds.sockets();
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int round = 0; round < 30; round++) {
            boolean permits = round % 2 == 1;
            LockHandle holder = permits
                    ? locks.acquirePermit(key, 1, Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS)
                    : locks.acquire(key, Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS);
            List<CompletableFuture<?>> all = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                if (i == 50) {
                    holder.release();
                }
                Duration t = Duration.ofMillis(i % 3 == 0 ? 20_000 : rnd.nextInt(3));
                CompletableFuture<LockHandle> f = permits ? locks.acquirePermit(key, 1, t)
                        : locks.acquire(key, LockMode.SHARED, t);
                if (i % 3 == 0) {
                    if (i % 2 == 0) {
                        f.cancel(false);
                    } else {
                        f.orTimeout(rnd.nextInt(3), TimeUnit.MILLISECONDS);
                    }
                }
                all.add(f.handle((h, e) -> {
                    if (h != null) {
                        h.release();
                    }
                    return null;
                }));
            }
            CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                    .get(120, TimeUnit.SECONDS);
        }
        Await.until("no poller and no waiter left",
                () -> locks.activeKeys() == 0 && locks.pending.get() == 0);
        Fds.awaitSockets(before, Duration.ofSeconds(30));
        try (Portlock probe = Portlock.builder(key).mode(LockMode.SHARED).build()) {
            assertTrue(probe.tryLock(), "a hold or the writer gate was left");
        }
    }
}
