package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LeakTest {

    @Test
    void tenThousandContendedMissesLeaveTheFdCountWhereItWas() {
        String key = PortFixtures.freshKey();
        try (Portlock holder = new Portlock(key)) {
            assertTrue(holder.tryLock());
            Portlock loser = new Portlock(key);
            long before = PortFixtures.openFds();
            long t0 = System.nanoTime();
            for (int i = 0; i < 10_000; i++) {
                assertFalse(loser.tryLock());
            }
            long after = PortFixtures.openFds();
            System.out.printf("[leak] 10000 contended tryLock misses: fds before=%d after=%d, %.1f us/miss%n",
                    before, after, (System.nanoTime() - t0) / 1e3 / 10_000);
            assertEquals(before, after, "contended misses leaked descriptors");
        }
    }

    @Test
    void tenThousandMissesThatBoundOnePortFirstCloseIt() throws Exception {
        // Strangers on ports 1 and 2: every attempt binds port 0, then misses the quorum and
        // must close port 0 again.
        LockPorts p = PortFixtures.freePorts();
        try (java.net.Socket s1 = PortFixtures.plainBind(p.socketAddresses().get(1));
             java.net.Socket s2 = PortFixtures.plainBind(p.socketAddresses().get(2))) {
            Portlock loser = new Portlock(p.key());
            long before = PortFixtures.openFds();
            for (int i = 0; i < 10_000; i++) {
                assertFalse(loser.tryLock());
            }
            long after = PortFixtures.openFds();
            System.out.printf("[leak] 10000 misses that bound port 0 first: fds before=%d after=%d%n",
                    before, after);
            assertEquals(before, after);
            PortFixtures.plainBind(p.socketAddresses().get(0)).close(); // port 0 was closed each time
        }
    }
}
