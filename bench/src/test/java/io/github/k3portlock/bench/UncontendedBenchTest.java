package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import io.github.k3portlock.LockPorts;
import org.junit.jupiter.api.Test;

/**
 * The benchmark bodies do what their names say, once each, without JMH: each takes and frees
 * what it claims, and nothing stays open.
 */
class UncontendedBenchTest {

    @Test
    void everyBenchmarkTakesAndFreesItsPortsOrFileAndLeaksNothing() throws Exception {
        UncontendedBench b = new UncontendedBench();
        b.setUp();
        LockPorts ports = ports(b);
        long before = openFds();
        for (int i = 0; i < 100; i++) {
            assertTrue(b.portlock());
            assertNotNull(b.quorum());
            b.naiveThreePorts();
            b.twoSocketsInet();
            b.socketInet();
            b.socketDefault();
            assertTrue(b.fileChannelTryLock());
        }
        assertEquals(before, openFds(), "a benchmark body left a descriptor open");
        assertTrue(FreeKeys.allFree(ports), "a benchmark body left a port bound");
        b.tearDown(); // throws if any attempt met contention
    }

    private static LockPorts ports(UncontendedBench b) throws ReflectiveOperationException {
        Field f = UncontendedBench.class.getDeclaredField("ports");
        f.setAccessible(true);
        return (LockPorts) f.get(b);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1;
        }
    }
}
