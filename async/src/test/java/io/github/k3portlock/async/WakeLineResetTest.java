package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.Tcp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An asynchronous waiter's wake line closes with a reset, as a blocking waiter's does: waits that
 * time out leave no {@code CLOSE_WAIT} entry on the holder's ports and no {@code FIN_WAIT} (or
 * {@code TIME_WAIT}) socket on the waiters' side, and a waiter afterwards is still woken by the
 * release.
 */
class WakeLineResetTest {
    private static final int WAITS = 1_000;
    /** Instances waiting at once: each has its own poller, so each wait opens its own line. */
    private static final int PARALLEL = 10;

    @Test
    void timedOutWaitersLeaveNothingBehindAndTheNextIsStillWoken() throws Exception {
        String key = "reset-" + UUID.randomUUID();
        LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
        List<AsyncPortlock> instances = new ArrayList<>();
        for (int i = 0; i < PARALLEL; i++) {
            instances.add(AsyncPortlock.builder().sleepTime(Duration.ofSeconds(2)).build());
        }
        try (Portlock holder = new Portlock(key)) {
            assertTrue(holder.tryLock(), "the fresh key is free");
            long linesBefore = KeyWakeLine.OPENED.sum();
            for (int round = 0; round < WAITS / PARALLEL; round++) {
                List<CompletableFuture<LockHandle>> batch = new ArrayList<>();
                for (AsyncPortlock locks : instances) {
                    batch.add(locks.acquire(key, Duration.ofMillis(20)));
                }
                for (CompletableFuture<LockHandle> f : batch) {
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> f.get(30, TimeUnit.SECONDS));
                    assertInstanceOf(PortlockTimeoutException.class, e.getCause());
                }
            }
            long lines = KeyWakeLine.OPENED.sum() - linesBefore;
            // Nearly every wait opens its own line (one whose first attempt meets a deadline
            // already passed on a loaded machine opens none).
            assertTrue(lines >= WAITS * 9 / 10, lines + " lines for " + WAITS + " waits");
            for (AsyncPortlock locks : instances) {
                Await.until("the waiters left", () -> locks.activeKeys() == 0);
            }
            List<Integer> numbers = ports.numbers();
            try {
                Await.until("no CLOSE_WAIT on the holder's ports, no FIN_WAIT or TIME_WAIT"
                        + " towards them", Duration.ofSeconds(10),
                        () -> leftovers(numbers).isEmpty());
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + ": " + leftovers(numbers), e);
            }

            // A waiter afterwards: its line is up, and the release wakes it long before a poll.
            CompletableFuture<Long> acquiredAt = instances.get(0).acquire(key, Duration.ofSeconds(60))
                    .thenApply(h -> {
                        long at = System.nanoTime();
                        h.release();
                        return at;
                    });
            // Once the line is up, the next poll comes max(sleepTime, 1 s) = 2 s later: only the
            // wake can make the acquisition prompt.
            Await.until("a line to the holder", () -> !Tcp.connectionsTo(numbers).isEmpty());
            assertFalse(acquiredAt.isDone(), "the holder still holds");
            long releasedAt = System.nanoTime();
            holder.release();
            long wakeMs = TimeUnit.NANOSECONDS.toMillis(
                    acquiredAt.get(30, TimeUnit.SECONDS) - releasedAt);
            assertTrue(wakeMs < 1_000, "acquired " + wakeMs + " ms after the release; a poll"
                    + " would have taken up to 2 s");
        }
    }

    private static String leftovers(List<Integer> ports) {
        int closeWait = Tcp.count(Tcp.State.CLOSE_WAIT, true, ports);
        int finWait = Tcp.count(Tcp.State.FIN_WAIT1, false, ports)
                + Tcp.count(Tcp.State.FIN_WAIT2, false, ports);
        int timeWait = Tcp.count(Tcp.State.TIME_WAIT, false, ports);
        return closeWait + finWait + timeWait == 0 ? "" : "CLOSE_WAIT " + closeWait
                + ", FIN_WAIT " + finWait + ", TIME_WAIT " + timeWait;
    }
}
