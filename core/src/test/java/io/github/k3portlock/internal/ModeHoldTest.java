package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockMode;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortFixtures;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.testkit.Fds;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

class ModeHoldTest {

    /** A fresh key's ports, free right now, with a free writer gate. */
    private static LockPorts freeWithGate() {
        for (int i = 0; i < 50; i++) {
            LockPorts p = PortFixtures.freePorts();
            if (PortFixtures.allPortsFree(ModeHold.writerGate(p))) {
                return p;
            }
        }
        throw new AssertionError("no key with free ports and gate in 50 tries");
    }

    @Test
    void sharedFailsClearlyWhereThePlatformHasNoReusePort() {
        String why = ModeHold.Support.reason(false, "Windows 11");
        assertEquals("Windows 11 offers no SO_REUSEPORT, which shared holds need (Linux, macOS"
                + " and the BSDs have it; Windows does not); use LockMode.EXCLUSIVE", why);
        assertNull(ModeHold.Support.reason(true, "Linux"));
        LockPorts p = PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ModeHold.of(LockMode.SHARED, p, PortBinder.DEFAULT, why));
        assertEquals("cannot hold lock '" + p.key() + "' SHARED: " + why, e.getMessage());
        assertFalse(ModeHold.of(LockMode.EXCLUSIVE, p, PortBinder.DEFAULT, why).shared(),
                "exclusive needs nothing more");
    }

    @Test
    void theGateIsTheNextPortsOnTheSameAddressWithoutAName() {
        PortScheme wide = PortScheme.builder().wideLoopback(true).build();
        LockPorts p = wide.lockPorts(PortFixtures.freshKey());
        LockPorts g = ModeHold.writerGate(p);
        assertEquals(p.address(), g.address());
        assertEquals(p.basePort() + 3, g.basePort());
        assertEquals(p.key(), g.key());
        assertEquals(2, g.quorum());
        assertTrue(g.linuxName().isEmpty());
    }

    @Test
    void theWriterGateMovesOnlyForwardAndLetsGoOnce() {
        LockPorts p = freeWithGate();
        LockPorts gate = ModeHold.writerGate(p);
        long before = Fds.sockets();
        WriterGate g = ModeHold.of(LockMode.EXCLUSIVE, p, PortBinder.DEFAULT).waitingWriter();
        assertFalse(g.held());
        g.declare();
        assertTrue(g.held());
        assertFalse(PortFixtures.allPortsFree(gate));
        g.declare(); // held: nothing more
        assertEquals(before + 2, Fds.sockets());
        g.close();
        g.close();
        assertFalse(g.held());
        g.declare(); // closed: never again
        assertFalse(g.held());
        assertEquals(before, Fds.sockets());
        assertTrue(PortFixtures.allPortsFree(gate));
    }

    @Test
    void aSharedLocksGateDoesNothing() {
        LockPorts p = freeWithGate();
        WriterGate g = ModeHold.of(LockMode.SHARED, p, PortBinder.DEFAULT).waitingWriter();
        g.declare();
        assertFalse(g.held());
        assertTrue(PortFixtures.allPortsFree(ModeHold.writerGate(p)));
        g.close();
    }

    @Test
    void aRealFailureOnTheGateIsThrownAndLeavesNothing() {
        LockPorts p = freeWithGate();
        PortBinder emfile = address -> {
            throw new SocketException("Too many open files");
        };
        long before = Fds.sockets();
        WriterGate g = ModeHold.of(LockMode.EXCLUSIVE, p, emfile).waitingWriter();
        PortlockException e = assertThrows(PortlockException.class, g::declare);
        assertTrue(e.getMessage().contains("out of file descriptors"), e.getMessage());
        g.close();
        assertEquals(before, Fds.sockets());
    }

    @Test
    void aSharedAttemptLetsTheGateGoAndKeepsTwoPorts() {
        LockPorts p = freeWithGate();
        ModeHold shared = ModeHold.of(LockMode.SHARED, p, PortBinder.DEFAULT);
        long before = Fds.sockets();
        PortHandle a = shared.tryAcquire();
        PortHandle b = shared.tryAcquire();
        assertNotNull(a);
        assertNotNull(b);
        assertEquals(before + 4, Fds.sockets(), "two holds of two ports; no gate socket");
        assertTrue(PortFixtures.allPortsFree(ModeHold.writerGate(p)));
        a.release();
        b.release();
        assertEquals(before, Fds.sockets());
    }
}
