package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.testkit.Fds;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * The benchmark bodies do what their names say, once each, without JMH: each takes and frees
 * what it claims, and nothing stays open. Only socket descriptors are counted: the bodies open no
 * other kind (the FileChannel is opened once, in setUp), while the JVM and other threads open and
 * close jar files and pipes on their own schedule (counting every descriptor failed 1 run in 3).
 */
class UncontendedBenchTest {

    @Test
    void everyBenchmarkTakesAndFreesItsPortsOrFileAndLeaksNothing() throws Exception {
        UncontendedBench b = new UncontendedBench();
        b.setUp();
        LockPorts ports = ports(b);
        long before = Fds.sockets();
        for (int i = 0; i < 100; i++) {
            assertTrue(b.portlock());
            assertNotNull(b.quorum());
            b.naiveThreePorts();
            b.twoSocketsInet();
            b.socketInet();
            b.socketDefault();
            assertTrue(b.fileChannelTryLock());
        }
        assertEquals(before, Fds.sockets(), "a benchmark body left a socket open");
        assertTrue(FreeKeys.allFree(ports), "a benchmark body left a port bound");
        b.tearDown(); // throws if any attempt met contention
    }

    private static LockPorts ports(UncontendedBench b) throws ReflectiveOperationException {
        Field f = UncontendedBench.class.getDeclaredField("ports");
        f.setAccessible(true);
        return (LockPorts) f.get(b);
    }
}
