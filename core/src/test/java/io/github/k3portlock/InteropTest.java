package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static io.github.k3portlock.PortFixtures.plainBind;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exclusivity against strangers, including the Python original's plain bind without listen.
 * The ephemeral range overlaps the lock ports, so a port of a fresh key may already be taken by
 * someone; each test picks a key whose ports are all free before it starts.
 */
class InteropTest {

    @Test
    void plainBindWithoutListenOnTwoPortsMakesTheLockBusy() throws IOException {
        LockPorts p = PortFixtures.freePorts();
        List<InetSocketAddress> a = p.socketAddresses();
        try (Socket s0 = plainBind(a.get(0)); Socket s2 = plainBind(a.get(2));
             Portlock lock = new Portlock(p.key())) {
            assertFalse(lock.tryLock(), "the Python original's holder (bind, no listen) must win");
            assertFalse(lock.hasLocked());
        }
        try (Portlock lock = new Portlock(p.key())) {
            assertTrue(lock.tryLock());
        }
    }

    @Test
    void oneStrangerOnOnePortDoesNotBlockTheLock() throws IOException {
        LockPorts p = PortFixtures.freePorts();
        for (int taken = 0; taken < 3; taken++) {
            try (Socket stranger = plainBind(p.socketAddresses().get(taken));
                 Portlock lock = new Portlock(p.key())) {
                assertTrue(lock.tryLock(), "quorum must absorb a stranger on port index " + taken);
                try (Portlock other = new Portlock(p.key())) {
                    assertFalse(other.tryLock(), "and still exclude a second holder");
                }
            }
        }
    }

    @Test
    void aHeldLockBlocksAPlainBindAndAListeningStranger() throws IOException {
        LockPorts p = PortFixtures.freePorts();
        try (Portlock lock = new Portlock(p.key())) {
            assertTrue(lock.tryLock());
            int heldPort = p.basePort();
            // The Python original's bind (no SO_REUSEADDR) fails on a held port...
            IOException e1 = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                    () -> plainBind(p.socketAddresses().get(0)).close());
            assertTrue(e1.getMessage().contains("in use"), e1.getMessage());
            // ...and so does a Java ServerSocketChannel with the default SO_REUSEADDR=true.
            try (ServerSocketChannel ch = ServerSocketChannel.open()) {
                assertTrue(ch.getOption(java.net.StandardSocketOptions.SO_REUSEADDR));
                IOException e2 = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                        () -> ch.bind(new InetSocketAddress(p.address(), heldPort), 1));
                assertTrue(e2.getMessage().contains("in use"), e2.getMessage());
            }
        }
    }

    @Test
    void holdingStopsAtTheQuorum() {
        LockPorts p = PortFixtures.freePorts();
        long fds = PortFixtures.openFds();
        try (Portlock lock = new Portlock(p.key())) {
            assertTrue(lock.tryLock());
            assertEquals(fds + 2 + PortFixtures.nameSockets(p), PortFixtures.openFds(),
                    "two sockets, not three (and the original's name, when held)");
            try (Socket third = plainBind(p.socketAddresses().get(2))) {
                assertTrue(third.isBound(), "the third port stays free for strangers");
            } catch (IOException e) {
                throw new AssertionError("third port should be free", e);
            }
        }
        assertEquals(fds, PortFixtures.openFds());
    }
}
