package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/** The ZooKeeper benchmark's body runs briefly against a real in-process server. */
class ZooKeeperBenchTest {

    @Test
    void briefRunMeasuresBothBackends() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            ZooKeeperBench.Figures[] f = ZooKeeperBench.run(server.getConnectString(), 20, 50);
            assertEquals(2, f.length);
            for (ZooKeeperBench.Figures x : f) {
                assertTrue(x.uncontendedP50() > 0 && x.handoffP50() > 0, x.toString());
                assertTrue(x.handoffP99() >= x.handoffP50(), x.toString());
                assertTrue(x.drainNanos() > 0, x.toString());
            }
            // A thread each for InterProcessMutex's waiters; none for ours.
            assertTrue(f[1].threadsManyWaiters() - f[1].threadsOneWaiter() >= 49, f[1].toString());
            assertTrue(f[0].threadsManyWaiters() <= f[0].threadsOneWaiter(), f[0].toString());
        }
    }
}
