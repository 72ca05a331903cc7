package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.KeyHolder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs contending for one key. */
class CrossProcessTest {

    static BufferedReader out(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    @Test
    void threeProcessesTimesFiveHundredSectionsLoseNoUpdate(@TempDir Path dir) throws Exception {
        String key = PortFixtures.freePorts().key();
        int procs = 3;
        int sections = 500;
        Files.writeString(dir.resolve("counter"), "0");
        List<Process> children = new ArrayList<>();
        try {
            for (int i = 0; i < procs; i++) {
                children.add(ChildJvm.start(LockChild.class, "sections", key,
                        String.valueOf(sections), dir.toString()));
            }
            List<BufferedReader> outs = new ArrayList<>();
            for (Process p : children) {
                BufferedReader r = out(p);
                assertEquals("READY", r.readLine());
                outs.add(r);
            }
            long t0 = System.nanoTime();
            for (Process p : children) { // start barrier: release all children at once
                OutputStream o = p.getOutputStream();
                o.write('\n');
                o.flush();
            }
            for (int i = 0; i < procs; i++) {
                Process p = children.get(i);
                assertTrue(p.waitFor(5, TimeUnit.MINUTES), "child did not finish");
                String last = outs.get(i).readLine();
                assertEquals(0, p.exitValue(), "child " + i + " said " + last);
                assertEquals("DONE", last);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long total = Long.parseLong(Files.readString(dir.resolve("counter")).trim());
            System.out.printf("[cross-process] %d processes x %d sections: counter=%d in %.2f s (%.0f sections/s)%n",
                    procs, sections, total, secs, total / secs);
            assertEquals((long) procs * sections, total, "lost updates across processes");
            assertFalse(Files.exists(dir.resolve("inside")));
        } finally {
            children.forEach(Process::destroyForcibly);
        }
        try (Portlock after = new Portlock(key)) {
            assertTrue(after.tryLock(), "the children left the lock free");
        }
    }

    @Test
    void killMinusNineOfTheHolderFreesTheLockAtOnce() throws Exception {
        String key = PortFixtures.freePorts().key();
        Process holder = ChildJvm.start(KeyHolder.class, "hold", key);
        try (Portlock lock = new Portlock(key)) {
            String line = ChildJvm.awaitLine(holder, ""); // the first line, whatever it is
            assertEquals("LOCKED " + holder.pid(), line);
            assertFalse(lock.tryLock(), "the child holds the lock");
            long t0 = System.nanoTime();
            holder.destroyForcibly(); // SIGKILL: no shutdown hook, no finally, no release
            long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
            while (!lock.tryLock()) {
                assertTrue(System.nanoTime() < deadline, "lock not freed 10 s after kill -9");
                // Leave the other core to the dying child; 0.2 ms keeps the measurement sharp.
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
            System.out.printf("[cross-process] lock free %d us after kill -9 of the holder%n", micros);
            assertTrue(micros < 100_000, "freed after " + micros + " us; must be within 100 ms");
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void releaseInOneProcessLetsAWaiterInAnotherIn() throws Exception {
        String key = PortFixtures.freePorts().key();
        Process holder = ChildJvm.start(KeyHolder.class, "hold", key);
        try {
            assertEquals("LOCKED " + holder.pid(), ChildJvm.awaitLine(holder, ""));
            try (Portlock lock = new Portlock(key)) {
                assertFalse(lock.tryLock());
                ChildJvm.send(holder, "");
                assertEquals("RELEASED", ChildJvm.awaitLine(holder, ""));
                assertTrue(lock.tryLock(), "released by the child: free at once");
            }
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, holder.exitValue());
        } finally {
            holder.destroyForcibly();
        }
    }
}
