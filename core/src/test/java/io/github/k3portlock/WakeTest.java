package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.WakeLine;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import io.github.k3portlock.testkit.KeyHolder;
import io.github.k3portlock.testkit.Tcp;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Wake on release across processes: a waiting {@link Portlock} learns of the holder's release
 * from the kernel (a reset of its connection to the holder's port), not from its next poll.
 */
class WakeTest {
    private static final Duration SLOW_POLL = Duration.ofSeconds(2);

    /**
     * Starts {@code acquire()} on another thread (which releases at once) and waits until it is
     * connected to a holder; the future gives the instant the lock was acquired.
     */
    private static CompletableFuture<Long> waitConnected(Portlock lock) {
        CompletableFuture<Long> acquired = acquireAndRelease(lock);
        Await.until("the waiter is connected to a port of the holder",
                () -> Tcp.connectionsTo(lock.lockPorts().numbers()).size() == 1
                        || acquired.isDone());
        return acquired;
    }

    /** {@code acquire()} on another thread, which releases at once: the instant it got it. */
    private static CompletableFuture<Long> acquireAndRelease(Portlock lock) {
        // A thread of its own: on Java 25 the default executor is the common pool even at
        // parallelism 1, where a second blocked waiter would not start on a 2-core machine.
        return CompletableFuture.supplyAsync(() -> {
            lock.acquire();
            long at = System.nanoTime();
            lock.release();
            return at;
        }, task -> new Thread(task, "waiter").start());
    }

    private static void assertWokenWellBeforePoll(CompletableFuture<Long> acquired, long freedAt,
            long waitStart) throws Exception {
        long at = acquired.get(30, TimeUnit.SECONDS);
        long wake = TimeUnit.NANOSECONDS.toMillis(at - freedAt);
        long sincePoll = TimeUnit.NANOSECONDS.toMillis(freedAt - waitStart);
        assertTrue(sincePoll < 1_000, "the release came " + sincePoll + " ms into the 2 s pause:"
                + " too late to tell a wake from a poll");
        assertTrue(wake < 1_000, "acquired " + wake + " ms after the release (poll every 2 s)");
    }

    /**
     * A waiter connected to a holder in another process is woken well before its 2 s poll when
     * the holder lets go: a release ({@code kill} false) or {@code kill -9}.
     */
    private static void wakesAtOnceWhenTheHolderLetsGo(boolean kill) throws Exception {
        String key = PortFixtures.freshKey();
        long fds = Fds.sockets();
        Process child = KeyHolder.hold(key);
        try (Portlock lock = Portlock.builder(key).timeout(Duration.ofSeconds(30))
                .sleepTime(SLOW_POLL).build()) {
            long start = System.nanoTime();
            CompletableFuture<Long> acquired = waitConnected(lock);
            long freedAt = System.nanoTime();
            if (kill) {
                child.destroyForcibly(); // SIGKILL on Linux
            } else {
                ChildJvm.send(child, "release");
            }
            assertWokenWellBeforePoll(acquired, freedAt, start);
        } finally {
            child.destroyForcibly();
        }
        ChildJvm.awaitExit(child, Await.PATIENCE);
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aReleaseInAnotherProcessWakesTheWaiterAtOnce() throws Exception {
        wakesAtOnceWhenTheHolderLetsGo(false);
    }

    @Test
    void killMinus9OfTheHolderWakesTheWaiterAtOnce() throws Exception {
        wakesAtOnceWhenTheHolderLetsGo(true);
    }

    @Test
    void aWaitingThreadIsStillInterruptible() throws Exception {
        String key = PortFixtures.freshKey();
        long fds = Fds.sockets();
        Process child = KeyHolder.hold(key);
        try (Portlock lock = Portlock.builder(key).timeout(Duration.ofSeconds(60))
                .sleepTime(Duration.ofSeconds(20)).build()) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    lock.acquire();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(Thread.currentThread().isInterrupted() ? t
                            : new AssertionError("interrupt status not restored", t));
                }
            });
            waiter.start();
            Await.until("the waiter is connected",
                    () -> Tcp.connectionsTo(lock.lockPorts().numbers()).size() == 1);
            long t0 = System.nanoTime();
            waiter.interrupt();
            Throwable t = outcome.get(30, TimeUnit.SECONDS);
            assertInstanceOf(PortlockException.class, t);
            assertInstanceOf(InterruptedException.class, t.getCause());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5),
                    "the interrupt ended the wait at once, not at the 20 s poll");
            waiter.join();
        } finally {
            ChildJvm.send(child, "release");
        }
        ChildJvm.awaitExit(child, Await.PATIENCE);
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    /** Counts attempts: binds of a key's first port (every quorum attempt starts there). */
    private static final class CountingBinder implements PortBinder {
        final AtomicLong attempts = new AtomicLong();
        private final int firstPort;

        CountingBinder(int firstPort) {
            this.firstPort = firstPort;
        }

        @Override
        public ServerSocketChannel open(InetSocketAddress address) throws IOException {
            return PortBinder.openChannel(address);
        }

        @Override
        public void bind(ServerSocketChannel ch, InetSocketAddress address, int backlog)
                throws IOException {
            if (address.getPort() == firstPort) {
                attempts.incrementAndGet();
            }
            ch.bind(address, backlog);
        }
    }

    @Test
    void theOriginalsBindWithoutListenIsPolledAndNotSpunOn() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        Duration sleep = Duration.ofMillis(300);
        CountingBinder binder = new CountingBinder(target.basePort());
        Portlock lock = new Portlock(target, Duration.ofSeconds(30), sleep, binder);
        List<Socket> original = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            original.add(PortFixtures.plainBind(target.socketAddresses().get(i)));
        }
        long start = System.nanoTime();
        CompletableFuture<Long> acquired = acquireAndRelease(lock);
        Await.until("several polls", () -> binder.attempts.get() >= 3);
        long freedAt = System.nanoTime();
        for (Socket s : original) {
            s.close();
        }
        long at = acquired.get(30, TimeUnit.SECONDS);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(at - freedAt);
        assertTrue(waitedMs < sleep.toMillis() + 500, "acquired " + waitedMs
                + " ms after the original let go; sleepTime is " + sleep);
        long elapsed = TimeUnit.NANOSECONDS.toMillis(at - start);
        long polls = elapsed / sleep.toMillis() + 1;
        // One attempt per pause, plus the first one and one right after the connects were refused.
        assertTrue(binder.attempts.get() <= polls + 2, binder.attempts.get() + " attempts in "
                + elapsed + " ms at one per " + sleep + ": the waiter spins");
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aFullAcceptQueueFallsBackToPolling() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        // An old holder (backlog 1) whose queue two other waiters already fill (Linux queues
        // backlog + 1): the next handshake is dropped, the connect does not complete.
        List<ServerSocketChannel> old = new ArrayList<>();
        List<SocketChannel> fillers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET);
            s.bind(target.socketAddresses().get(i), 1);
            old.add(s);
            for (int j = 0; j < 2; j++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET);
                c.configureBlocking(false);
                c.connect(target.socketAddresses().get(i));
                fillers.add(c);
            }
        }
        Await.until("the fillers are queued",
                () -> Tcp.connectionsTo(target.numbers()).size() == 4);
        Duration sleep = Duration.ofMillis(300);
        Portlock lock = new Portlock(target, Duration.ofSeconds(30), sleep, PortBinder.DEFAULT);
        CompletableFuture<Long> acquired = acquireAndRelease(lock);
        // Not a sleep for synchronisation: the waiter must go on waiting while the lock is held.
        assertThrows(TimeoutException.class,
                () -> acquired.get(2 * sleep.toMillis(), TimeUnit.MILLISECONDS));
        long freedAt = System.nanoTime();
        for (ServerSocketChannel s : old) {
            s.close();
        }
        Long at = acquired.get(30, TimeUnit.SECONDS);
        assertNotNull(at);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(at - freedAt);
        assertTrue(waitedMs < 2 * sleep.toMillis() + 500, "acquired " + waitedMs
                + " ms after the release, polling every " + sleep);
        for (SocketChannel c : fillers) {
            c.close();
        }
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aWaitersOwnSocketIsNotAFalseHolderOfItsLocalPort() throws Exception {
        String key = PortFixtures.freshKey();
        long fds = Fds.sockets();
        Process child = KeyHolder.hold(key);
        try (Portlock lock = Portlock.builder(key).timeout(Duration.ofSeconds(60))
                .sleepTime(Duration.ofSeconds(10)).build()) {
            CompletableFuture<Long> acquired = waitConnected(lock);
            List<Integer> local = Tcp.connectionsTo(lock.lockPorts().numbers());
            assertEquals(1, local.size(), "one line to the holder: " + local);
            int port = local.get(0);
            // A key whose only port is the waiter's local port: taken the way the quorum binds.
            LockPorts onIt = new LockPorts(PortFixtures.freshKey(),
                    InetAddress.getLoopbackAddress(), port, 1, null);
            try (Portlock other = new Portlock(onIt, Duration.ZERO, Duration.ofMillis(1),
                    PortBinder.DEFAULT)) {
                assertTrue(other.tryLock(), "the waiter's local port " + port
                        + " blocks a lock on it");
            }
            ChildJvm.send(child, "release");
            acquired.get(30, TimeUnit.SECONDS);
        } finally {
            child.destroyForcibly();
        }
        ChildJvm.awaitExit(child, Await.PATIENCE);
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void withoutReuseAddressTheClientSocketWouldBlockTheBind() throws Exception {
        // The control for the test above: the option is what makes the difference.
        try (ServerSocketChannel holder = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
            for (boolean reuse : new boolean[] {false, true}) {
                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.INET)) {
                    c.setOption(StandardSocketOptions.SO_REUSEADDR, reuse);
                    c.connect(holder.getLocalAddress());
                    InetSocketAddress local = (InetSocketAddress) c.getLocalAddress();
                    try (ServerSocketChannel lockPort = PortBinder.openChannel(local)) {
                        if (reuse) {
                            lockPort.bind(local, PortBinder.BACKLOG);
                        } else {
                            assertThrows(BindException.class,
                                    () -> lockPort.bind(local, PortBinder.BACKLOG));
                        }
                    }
                }
            }
        }
    }

    @Test
    void aLineToAFreePortIsRefusedAndNothingStaysOpen() {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        assertNull(WakeLine.connect(target, TimeUnit.SECONDS.toNanos(1)));
        assertEquals(fds, Fds.sockets());
    }

    @Test
    void tenThousandContendedMissesLeaveNoSocketOpen() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        Portlock holder = new Portlock(target, Duration.ZERO, Duration.ofMillis(1),
                PortBinder.DEFAULT);
        assertTrue(holder.tryLock());
        CountingBinder binder = new CountingBinder(target.basePort());
        long fds = Fds.sockets();
        Portlock waiter = new Portlock(target, Duration.ofMillis(20), Duration.ofMillis(1), binder);
        while (binder.attempts.get() < 10_000) {
            assertThrows(PortlockTimeoutException.class, waiter::acquire);
        }
        Fds.awaitSockets(fds, Await.PATIENCE); // fails unless back to the count before
        holder.release();
    }
}
