package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.Fds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The waiter that queued first gets the lock first: two waiters (one {@link Portlock} instance
 * each, so they queue on lines to the holder exactly as processes do) wait for a holder, the
 * older one's ticket queued before the younger one's; at the release the older one is chosen.
 * It can still lose its turn when it is not scheduled within the grace (on a loaded 2-core
 * machine, now and then), so the bound is 16 of 20 rounds: two waiters that race, as before the
 * hand-over, pass it with a probability of 0.6 %.
 */
class FifoOrderTest {
    private static final int ROUNDS = 20;
    private static final int OLDER_FIRST_AT_LEAST = 16;

    @Test
    void theOlderWaiterGetsTheLockFirst() throws Exception {
        long fds = Fds.sockets();
        int olderFirst = 0;
        for (int round = 0; round < ROUNDS; round++) {
            LockPorts target = PortFixtures.freePorts();
            Portlock holder = Portlock.builder(target.key()).timeout(Duration.ZERO).build();
            assertTrue(holder.tryLock());
            int port = target.numbers().get(0); // waiters queue on the holder's lowest port
            AtomicInteger order = new AtomicInteger();
            CompletableFuture<Integer> older = takeTurn(target, order);
            // A line is queued with its ticket once the kernel holds the ticket's bytes for it.
            Await.until("the older waiter's ticket is queued", () -> ticketsQueued(port) == 1);
            CompletableFuture<Integer> younger = takeTurn(target, order);
            Await.until("the younger waiter's ticket is queued", () -> ticketsQueued(port) == 2);
            holder.release();
            if (older.get(30, TimeUnit.SECONDS) == 1) {
                olderFirst++;
            }
            younger.get(30, TimeUnit.SECONDS);
            assertEquals(2, order.get(), "both waiters got the lock");
        }
        System.out.printf("[fifo] the older waiter first in %d of %d rounds%n", olderFirst,
                ROUNDS);
        assertTrue(olderFirst >= OLDER_FIRST_AT_LEAST, "the older waiter got the lock first in "
                + olderFirst + " of " + ROUNDS + " rounds only");
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    /**
     * An acquire on a thread of its own (not the common pool, which may run one task at a time
     * on a small machine: the younger waiter would then never queue): which turn it got.
     */
    private static CompletableFuture<Integer> takeTurn(LockPorts target, AtomicInteger order) {
        Portlock lock = Portlock.builder(target.key()).timeout(Duration.ofSeconds(60))
                .sleepTime(Duration.ofSeconds(20)).build();
        return CompletableFuture.supplyAsync(() -> {
            lock.acquire();
            int turn = order.incrementAndGet();
            lock.release();
            return turn;
        }, task -> new Thread(task, "fifo-waiter").start());
    }

    /**
     * Connections queued on {@code port} (not yet accepted: the holder accepts only when it
     * releases) whose receive queue holds at least a ticket, from {@code /proc/net/tcp{,6}}.
     */
    private static int ticketsQueued(int port) {
        int n = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 5 || !f[1].contains(":") || !f[3].equals("01")) {
                        continue; // the header, or not ESTABLISHED
                    }
                    int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                    int rx = Integer.parseInt(f[4].substring(f[4].indexOf(':') + 1), 16);
                    if (local == port && rx >= 24) {
                        n++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return n;
    }
}
