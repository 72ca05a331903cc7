package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.k3portlock.internal.ModeHold;
import io.github.k3portlock.internal.NameBinder;
import io.github.k3portlock.status.LockStatus;
import io.github.k3portlock.status.State;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import io.github.k3portlock.testkit.KeyHolder;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LockMode#SHARED}: readers together, never beside a writer, in real processes. */
class SharedLockTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final boolean LINUX = System.getProperty("os.name").startsWith("Linux");

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    private static Portlock shared(String key) {
        return Portlock.builder(key).mode(LockMode.SHARED).timeout(Duration.ZERO).build();
    }

    private Process hold(LockMode mode, String key) throws IOException {
        Process p = ChildJvm.start(ModeChild.class, "hold", mode.name(), key);
        children.add(p);
        ChildJvm.awaitLine(p, "LOCKED ", PATIENCE);
        return p;
    }

    private String tryInChild(LockMode mode, String key) throws IOException {
        Process p = ChildJvm.start(ModeChild.class, "try", mode.name(), key);
        children.add(p);
        String line = ChildJvm.awaitLine(p, "", PATIENCE);
        ChildJvm.awaitExit(p, PATIENCE);
        return line;
    }

    @Test
    void thisPlatformOffersSharedHolds() {
        assumeTrue(LINUX, "the shared rules are tested on Linux");
        assertNull(ModeHold.sharedUnavailableReason());
        assertTrue(shared(freshKey()).toString().contains(", shared"));
    }

    @Test
    void twoProcessesHoldSharedAtOnceAndKeepWritersOut() throws IOException {
        String key = freshKey();
        hold(LockMode.SHARED, key);
        hold(LockMode.SHARED, key); // would wait 60 s, and fail the line's deadline, if excluded
        assertEquals("BUSY", tryInChild(LockMode.EXCLUSIVE, key));
        assertEquals("GOT", tryInChild(LockMode.SHARED, key));
        try (Portlock writer = new Portlock(key, Duration.ZERO);
             Portlock reader = shared(key)) {
            assertFalse(writer.tryLock());
            assertTrue(reader.tryLock(), "a third reader, in this JVM");
            assertEquals(2, reader.lockPorts().quorum());
        }
    }

    @Test
    void readersAndWritersInFiveProcessesNeverOverlap(@TempDir Path dir) throws IOException {
        String key = freshKey();
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            boolean writer = i % 2 == 1; // two writers between three readers
            Process p = ChildJvm.start(ModeChild.class, "sections",
                    writer ? "exclusive" : "shared", key, "0", writer ? "30" : "100", "1",
                    dir.toString());
            children.add(p);
            procs.add(p);
        }
        for (Process p : procs) {
            ChildJvm.awaitLine(p, "READY", Duration.ofSeconds(60));
        }
        procs.forEach(p -> ChildJvm.send(p, "go"));
        for (int i = 0; i < procs.size(); i++) {
            Process p = procs.get(i);
            String last = ChildJvm.awaitLine(p, "child's end", l -> l.startsWith("DONE")
                    || l.startsWith("OVERLAP"), Duration.ofSeconds(120));
            assertEquals(i % 2 == 1 ? "DONE 30" : "DONE 100", last);
            assertEquals(0, ChildJvm.awaitExit(p, PATIENCE));
        }
        long[] c = ModeChild.counter(dir);
        assertEquals(300, c[2], "reader sections");
        assertEquals(60, c[4], "writer sections");
        assertEquals(0, c[0] + c[3], "nobody inside at the end");
        assertTrue(c[1] >= 2, "readers were inside together (most at once: " + c[1] + ")");
    }

    @Test
    void statusListsEverySharedHolderWithItsPid() throws IOException {
        assumeTrue(LINUX, "owners are read from /proc");
        String key = freshKey();
        Process a = hold(LockMode.SHARED, key);
        Process b = hold(LockMode.SHARED, key);
        LockStatus s = LockStatus.inspect(PortScheme.DEFAULT.lockPorts(key));
        assertEquals(State.HELD, s.state(), s.toString());
        Set<Long> pids = new HashSet<>();
        s.holders().forEach(h -> pids.add(h.pid()));
        assertEquals(Set.of(a.pid(), b.pid()), pids, s.toString());
    }

    @Test
    void anExclusiveHolderBlocksBothModes() throws IOException {
        String key = freshKey();
        Process writer = KeyHolder.hold(key); // the testkit's holder: Portlock's default mode
        children.add(writer);
        try (Portlock reader = shared(key); Portlock other = new Portlock(key, Duration.ZERO)) {
            assertFalse(reader.tryLock());
            assertFalse(other.tryLock());
            assertEquals("BUSY", tryInChild(LockMode.SHARED, key));
            ChildJvm.send(writer, "");
            ChildJvm.awaitLine(writer, "RELEASED", PATIENCE);
            assertTrue(reader.tryLock(), "free once the writer is gone");
        }
    }

    @Test
    void aSharedHolderBlocksExclusiveInThisJvmToo() {
        String key = freshKey();
        try (Portlock reader = shared(key); Portlock reader2 = shared(key);
             Portlock writer = new Portlock(key, Duration.ZERO)) {
            assertTrue(reader.tryLock());
            assertTrue(reader2.tryLock(), "two instances, two shared holds");
            assertFalse(writer.tryLock());
            reader.release();
            assertFalse(writer.tryLock(), "one reader is still in");
            reader2.release();
            assertTrue(writer.tryLock());
            assertFalse(reader.tryLock(), "and the writer now keeps readers out");
        }
    }

    @Test
    void oneSharedInstanceKeepsTodaysThreadRules() throws InterruptedException {
        String key = freshKey();
        try (Portlock reader = shared(key)) {
            assertTrue(reader.tryLock());
            assertTrue(reader.tryLock(), "the owner again: no second hold");
            AtomicBoolean otherThread = new AtomicBoolean(true);
            CountDownLatch done = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                otherThread.set(reader.tryLock());
                assertThrows(IllegalMonitorStateException.class, reader::release);
                done.countDown();
            });
            t.start();
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertFalse(otherThread.get(), "another thread of one instance waits, as before");
            reader.release();
            assertFalse(reader.hasLocked());
        }
    }

    @Test
    void theOriginalsTcpLockExcludesReadersBothWays() throws IOException {
        String key = freshKey();
        LockPorts p = PortScheme.DEFAULT.lockPorts(key);
        List<InetSocketAddress> a = p.socketAddresses();
        // The original binds without listen, without SO_REUSEADDR, and holds 2 of 3.
        try (Socket s0 = PortFixtures.plainBind(a.get(0));
             Socket s1 = PortFixtures.plainBind(a.get(1));
             Portlock reader = shared(key)) {
            assertFalse(reader.tryLock());
        }
        try (Portlock reader = shared(key)) {
            assertTrue(reader.tryLock());
            for (InetSocketAddress address : a.subList(0, 2)) {
                assertThrows(BindException.class, () -> PortFixtures.plainBind(address).close(),
                        "the original cannot bind a port readers hold");
            }
        }
    }

    @Test
    void theOriginalsLinuxNameExcludesReaders() throws IOException {
        assumeTrue(LINUX, "the original binds its name on Linux only");
        boolean nativeName = NameBinder.unavailableReason() == null;
        String key = freshKey();
        Process peer = peer(key);
        assertTrue(ChildJvm.awaitLine(peer, "", PATIENCE).startsWith("HELD "));
        long before = Fds.sockets();
        try (Portlock reader = shared(key)) {
            assertEquals(!nativeName, reader.tryLock(), nativeName ? "the original holds the key"
                    : "without the name the original is not seen (documented): "
                            + NameBinder.unavailableReason());
        }
        assertEquals(before, Fds.sockets(), "a miss on the name lets the ports go");
        ChildJvm.send(peer, "");
        ChildJvm.awaitLine(peer, "RELEASED", PATIENCE);
        try (Portlock reader = shared(key)) {
            assertTrue(reader.tryLock());
            assertEquals(before + 2, Fds.sockets(), "two ports; the name was checked, let go");
        }
    }

    private Process peer(String key) throws IOException {
        Path script;
        try {
            script = Path.of(SharedLockTest.class.getResource("/portlock_peer.py").toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
        Process p;
        try {
            p = new ProcessBuilder("python3", script.toString(), "try", key)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is needed for the interop peer: " + e);
            throw e;
        }
        children.add(p);
        return p;
    }

    @Test
    void killMinus9OfAReaderFreesItsShareAtOnce() throws IOException, InterruptedException {
        String key = freshKey();
        Process reader = hold(LockMode.SHARED, key);
        try (Portlock writer = new Portlock(key, Duration.ZERO)) {
            assertFalse(writer.tryLock());
            reader.destroyForcibly(); // SIGKILL
            reader.waitFor();
            assertTrue(writer.tryLock(), "the kernel closed the reader's ports as it died");
        }
    }

    /** A fresh key whose ports and writer gate are all free right now (no stranger on them). */
    private static String keyWithFreeGate() {
        for (int i = 0; i < 50; i++) {
            LockPorts p = PortFixtures.freePorts();
            if (PortFixtures.allPortsFree(ModeHold.writerGate(p))) {
                return p.key();
            }
        }
        throw new AssertionError("no key with free ports and gate in 50 tries");
    }

    @Test
    void aWaitingWriterHoldsTheGateAndNewReadersWait() {
        String key = keyWithFreeGate();
        LockPorts gate = ModeHold.writerGate(PortScheme.DEFAULT.lockPorts(key));
        try (Portlock first = shared(key);
             Portlock writer = Portlock.builder(key).timeout(PATIENCE).build();
             Portlock late = shared(key)) {
            assertTrue(first.tryLock());
            assertTrue(PortFixtures.allPortsFree(gate), "no writer waits yet");
            Thread w = new Thread(writer::acquire, "writer");
            w.start();
            PortFixtures.await("the waiting writer binds the gate", PATIENCE,
                    () -> !PortFixtures.allPortsFree(gate));
            assertFalse(late.tryLock(), "a reader arriving after the writer waits behind it");
            first.release();
            PortFixtures.await("the writer got in", PATIENCE, writer::hasLocked);
            PortFixtures.await("the writer let the gate go", PATIENCE,
                    () -> PortFixtures.allPortsFree(gate));
            assertFalse(late.tryLock(), "the writer holds the lock itself");
            joinQuietly(w);
        }
        // The writer's thread ended holding it; close() (release) is allowed then.
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join(PATIENCE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertFalse(t.isAlive());
    }

    @Test
    void theGateNeverOverlapsTheKeysOwnPorts() {
        for (int base : new int[] {40000, 59999, 65533}) {
            LockPorts p = new LockPorts("k", PortScheme.DEFAULT.host(), base, 3, null);
            LockPorts g = ModeHold.writerGate(p);
            assertTrue(g.basePort() + 2 < base || g.basePort() > base + 2, "gate " + g);
            assertTrue(g.basePort() >= 1 && g.basePort() + 2 <= 65535, "gate " + g);
        }
    }

    @Test
    void contendedAndTimedOutAcquisitionsLeaveNoSocket() throws IOException {
        String key = keyWithFreeGate();
        long before = Fds.sockets();
        try (Portlock writer = new Portlock(key, Duration.ZERO);
             Portlock reader = Portlock.builder(key).mode(LockMode.SHARED)
                     .timeout(Duration.ofMillis(2)).sleepTime(Duration.ofMillis(1)).build()) {
            assertTrue(writer.tryLock());
            for (int i = 0; i < 5_000; i++) {
                assertFalse(reader.tryLock());
            }
            for (int i = 0; i < 20; i++) {
                assertThrows(PortlockTimeoutException.class, reader::acquire);
            }
        }
        assertEquals(before, Fds.sockets(), "after misses against a writer");
        try (Portlock reader = shared(key);
             Portlock writer = Portlock.builder(key).timeout(Duration.ofMillis(2))
                     .sleepTime(Duration.ofMillis(1)).build()) {
            assertTrue(reader.tryLock());
            for (int i = 0; i < 50; i++) {
                // each waits, holding the gate, and lets it go at the timeout
                assertThrows(PortlockTimeoutException.class, writer::acquire);
            }
        }
        assertEquals(before, Fds.sockets(), "after writers timed out behind a reader");
        try (ServerSocketChannel stranger = ServerSocketChannel.open()) {
            LockPorts gate = ModeHold.writerGate(PortScheme.DEFAULT.lockPorts(key));
            stranger.bind(gate.socketAddresses().get(0));
            try (Portlock reader = shared(key)) {
                assertTrue(reader.tryLock(), "one stranger on the gate stops no reader");
            }
        }
        assertEquals(before, Fds.sockets());
    }
}
