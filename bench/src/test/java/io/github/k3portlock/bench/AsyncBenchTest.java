package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.testkit.Fds;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/** The async benchmark bodies take and release the lock, once each, without JMH. */
class AsyncBenchTest {

    @Test
    void everyBenchmarkTakesAndReleasesAndLeaksNothing() throws Exception {
        AsyncBench b = new AsyncBench();
        b.setUp();
        long before = Fds.sockets();
        for (int i = 0; i < 100; i++) {
            LockHandle h = b.asyncDefault();
            assertFalse(h.isValid(), "released");
            assertEquals(2, h.ports().size());
            assertFalse(b.asyncDirect().isValid());
            assertTrue(b.sync());
        }
        assertEquals(before, Fds.sockets(), "a benchmark body left a socket open");
        Field key = AsyncBench.class.getDeclaredField("key");
        key.setAccessible(true);
        assertTrue(FreeKeys.allFree(PortScheme.DEFAULT.lockPorts((String) key.get(b))));
        b.tearDown();
    }
}
