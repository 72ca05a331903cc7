package io.github.k3portlock.internal;

import static io.github.k3portlock.PortFixtures.allPortsFree;
import static io.github.k3portlock.PortFixtures.freePorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The handle reports exactly the ports its quorum bound. It derives them from a bit mask after
 * the fact (the acquire path boxes no port), so each position of a stranger is checked.
 */
class PortHandleTest {

    @ParameterizedTest(name = "stranger on port index {0}")
    @ValueSource(ints = {-1, 0, 1, 2})
    void portsAreTheBoundOnesWhereverAStrangerSits(int strangerIndex) throws IOException {
        LockPorts p = freePorts();
        List<Integer> all = p.numbers();
        ServerSocketChannel stranger = null;
        if (strangerIndex >= 0) {
            stranger = ServerSocketChannel.open();
            stranger.bind(p.socketAddresses().get(strangerIndex), 1);
        }
        try {
            PortHandle h = Quorum.tryAcquire(p, PortBinder.DEFAULT);
            assertNotNull(h, "one stranger must not block the quorum");
            List<Integer> expected = switch (strangerIndex) {
                case 0 -> List.of(all.get(1), all.get(2));
                case 1 -> List.of(all.get(0), all.get(2));
                default -> List.of(all.get(0), all.get(1));
            };
            assertEquals(expected, h.ports());
            assertSame(h.ports(), h.ports(), "computed once");
            assertEquals("LockHandle{key='" + p.key() + "', ports=" + expected + "}", h.toString());
            for (int port : expected) {
                InetSocketAddress a = new InetSocketAddress(p.address(), port);
                assertThrows(BindException.class, () -> {
                    try (ServerSocketChannel probe = ServerSocketChannel.open()) {
                        probe.bind(a, 1);
                    }
                }, "port " + port + " must really be held");
            }
            h.release();
            assertFalse(h.isValid());
            assertEquals(expected, h.ports(), "ports stay readable after release");
            h.release(); // idempotent
        } finally {
            if (stranger != null) {
                stranger.close();
            }
        }
        assertTrue(allPortsFree(p), "release must close every port");
    }

    /**
     * Two contenders can both bind(2) a port (both use SO_REUSEADDR, neither listens yet); the
     * second listen(2) then fails with "in use" although its channel is bound. The attempt keeps a
     * channel that met "in use" to bind the next port, and must not let that bound channel's
     * EINVAL pass for a real error. On this machine the race occurs about 100 times a second with
     * two threads hammering one key, so one second of it covers the case many times over.
     */
    @org.junit.jupiter.api.Test
    void theListenRaceBetweenContendersIsContentionNotAnError() throws Exception {
        LockPorts p = freePorts();
        long before = socketFds();
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong takes = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong overlaps = new java.util.concurrent.atomic.AtomicLong();
        java.util.Queue<Throwable> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + 1_000_000_000L;
        Runnable hammer = () -> {
            while (System.nanoTime() - end < 0) {
                try {
                    PortHandle h = Quorum.tryAcquire(p, PortBinder.DEFAULT);
                    if (h != null) {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        takes.incrementAndGet();
                        inside.decrementAndGet();
                        h.release();
                    }
                } catch (RuntimeException e) {
                    errors.add(e);
                    return;
                }
            }
        };
        Thread a = new Thread(hammer);
        Thread b = new Thread(hammer);
        a.start();
        b.start();
        a.join();
        b.join();
        assertEquals(List.of(), List.copyOf(errors), "contention must never surface as an error");
        assertEquals(0, overlaps.get(), "two holders at once");
        assertTrue(takes.get() > 0);
        assertEquals(before, socketFds(), "every channel of every attempt must be closed");
        assertTrue(allPortsFree(p));
    }

    @org.junit.jupiter.api.Test
    void aMissClosesTheChannelItKeptForReuse() throws IOException {
        LockPorts p = freePorts();
        PortHandle holder = Quorum.tryAcquire(p, PortBinder.DEFAULT);
        assertNotNull(holder);
        try {
            long before = socketFds();
            for (int i = 0; i < 1000; i++) {
                assertEquals(null, Quorum.tryAcquire(p, PortBinder.DEFAULT));
            }
            assertEquals(before, socketFds());
        } finally {
            holder.release();
        }
    }

    private static long socketFds() {
        return io.github.k3portlock.testkit.Fds.sockets();
    }
}
