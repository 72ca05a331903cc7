package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortFixtures;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.KeyHolder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Connections whose local ports are a lock's ports, set up as a waiter's are (with
 * {@code SO_REUSEADDR}), do not keep the lock from binding: {@link LockStatus} must neither
 * report the lock held nor name their process as a holder.
 */
class WaiterSocketsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void waiterStyleConnectionsOnTwoPortsAreNoHolders() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")), "needs Linux /proc");
        long me = ProcessHandle.current().pid();
        LockPorts target = PortFixtures.freePorts();
        List<Socket> waiters = new ArrayList<>();
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(target.address(), 0), 8);
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket();
                waiters.add(s);
                s.setReuseAddress(true); // as a waiter's connection
                s.bind(target.socketAddresses().get(i));
                s.connect(server.getLocalAddress());
            }

            LockStatus s = LockStatus.inspect(target);
            assertEquals(State.FREE, s.state(), s.toString());
            assertEquals(0, s.heldCount(), s.toString());
            assertTrue(s.holders().isEmpty(), s.toString());
            try (Portlock lock = new Portlock(target.key())) {
                assertTrue(lock.tryLock(), "the lock binds beside the connections");
            }

            // A real holder in another process is still found, with its pid, and only it.
            Process child = ChildJvm.start(KeyHolder.class, "hold", target.key());
            try {
                ChildJvm.awaitLine(child, "LOCKED", DEADLINE);
                LockStatus held = LockStatus.inspect(target);
                assertEquals(State.HELD, held.state(), held.toString());
                assertTrue(held.holders().stream().anyMatch(h -> h.pid() == child.pid()),
                        held.toString());
                assertFalse(held.holders().stream().anyMatch(h -> h.pid() == me),
                        held.toString());
            } finally {
                child.getOutputStream().close(); // EOF: the holder releases and exits
                assertTrue(child.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            }
        } finally {
            for (Socket w : waiters) {
                closeQuietly(w);
            }
        }
        assertEquals(0, waiters.stream().filter(w -> !w.isClosed()).count());
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // the test's own socket
        }
    }
}
