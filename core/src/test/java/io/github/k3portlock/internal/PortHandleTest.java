package io.github.k3portlock.internal;

import static io.github.k3portlock.TestSupport.allPortsFree;
import static io.github.k3portlock.TestSupport.freePorts;
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
        List<Integer> all = p.ports();
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
}
