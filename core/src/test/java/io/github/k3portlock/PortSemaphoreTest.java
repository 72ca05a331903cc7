package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.status.LockStatus;
import io.github.k3portlock.status.State;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PortSemaphore}: at most N holders across real processes, freed by the kernel. */
class PortSemaphoreTest {
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    private static PortSemaphore semaphore(String key, int permits) {
        return PortSemaphore.builder(key, permits).timeout(Duration.ZERO).build();
    }

    @Test
    void eightProcessesTimesHundredSectionsNeverMoreThanThreeInside(@TempDir Path dir)
            throws IOException {
        String key = freshKey();
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Process p = ChildJvm.start(ModeChild.class, "sections", "permit", key, "3", "100",
                    "1", dir.toString());
            children.add(p);
            procs.add(p);
        }
        for (Process p : procs) {
            ChildJvm.awaitLine(p, "READY", Duration.ofSeconds(60));
        }
        for (Process p : procs) {
            ChildJvm.send(p, "go");
        }
        for (Process p : procs) {
            String last = ChildJvm.awaitLine(p, "child's end", l -> l.startsWith("DONE")
                    || l.startsWith("OVERLAP"), Duration.ofSeconds(120));
            assertEquals("DONE 100", last);
            assertEquals(0, ChildJvm.awaitExit(p, PATIENCE));
        }
        long[] c = ModeChild.counter(dir);
        assertEquals(0, c[0], "nobody inside at the end");
        assertEquals(800, c[2], "every section ran");
        assertTrue(c[1] <= 3, "never more than 3 inside: " + c[1]);
        assertTrue(c[1] >= 2, "the permits were used together (most inside: " + c[1] + ")");
    }

    @Test
    void killMinus9OfAPermitHolderFreesThePermit() throws IOException, InterruptedException {
        String key = freshKey();
        Process holder = ChildJvm.start(ModeChild.class, "permit", key, "1");
        children.add(holder);
        ChildJvm.awaitLine(holder, "LOCKED ", PATIENCE);
        PortSemaphore s = semaphore(key, 1);
        assertEquals(Optional.empty(), s.tryAcquire());
        holder.destroyForcibly(); // SIGKILL
        holder.waitFor();
        Optional<LockHandle> h = s.tryAcquire();
        assertTrue(h.isPresent(), "the kernel freed the permit as the holder died");
        h.get().release();
    }

    @Test
    void statusShowsThePermitsInUseAndTheirHolders() throws IOException {
        String key = freshKey();
        Process holder = ChildJvm.start(ModeChild.class, "permit", key, "3");
        children.add(holder);
        ChildJvm.awaitLine(holder, "LOCKED ", PATIENCE);
        PortSemaphore s = semaphore(key, 3);
        List<LockStatus> permits = new ArrayList<>();
        s.permitPorts().forEach(p -> permits.add(LockStatus.inspect(p)));
        List<LockStatus> used = permits.stream().filter(p -> p.state() == State.HELD).toList();
        assertEquals(1, used.size(), permits.toString());
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertEquals(holder.pid(), used.get(0).holders().get(0).pid(), used.toString());
        }
    }

    @Test
    void aStrangerOnOnePermitPortLeavesNMinusOneNeverNPlusOne() throws IOException {
        String key = freshKey();
        PortSemaphore s = semaphore(key, 3);
        long before = Fds.sockets();
        try (ServerSocketChannel stranger = ServerSocketChannel.open()) {
            stranger.bind(new InetSocketAddress(PortScheme.DEFAULT.host(), s.ports().get(1)));
            List<LockHandle> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                s.tryAcquire().ifPresent(held::add);
            }
            assertEquals(2, held.size(), "N - 1 permits usable");
            Set<Integer> ports = new HashSet<>();
            held.forEach(h -> ports.addAll(h.ports()));
            assertEquals(Set.of(s.ports().get(0), s.ports().get(2)), ports);
            held.forEach(LockHandle::release);
        }
        assertEquals(before, Fds.sockets());
    }

    @Test
    void aPermitIsReleasedFromAnyThreadOnce() {
        PortSemaphore s = semaphore(freshKey(), 2);
        LockHandle a = s.tryAcquire().orElseThrow();
        LockHandle b = s.tryAcquire().orElseThrow();
        assertEquals(Optional.empty(), s.tryAcquire());
        CompletableFuture.runAsync(a::release).join();
        assertFalse(a.isValid());
        a.release(); // again: nothing
        LockHandle c = s.tryAcquire().orElseThrow();
        assertEquals(a.ports(), c.ports(), "the freed permit, and only it");
        a.close();
        assertEquals(Optional.empty(), s.tryAcquire(), "a's second release freed nothing");
        b.release();
        c.release();
    }

    @Test
    void acquireWaitsForAReleaseThenTimesOut() {
        String key = freshKey();
        PortSemaphore s = PortSemaphore.builder(key, 1).timeout(Duration.ofMillis(50))
                .sleepTime(Duration.ofMillis(5)).build();
        LockHandle h = s.acquire();
        PortlockTimeoutException e = assertThrows(PortlockTimeoutException.class, s::acquire);
        assertTrue(e.waited().compareTo(Duration.ofMillis(50)) >= 0, e.getMessage());
        assertTrue(e.getMessage().contains("(1 permit)"), e.getMessage());
        assertEquals(key, e.key());
        PortSemaphore patient = PortSemaphore.builder(key, 1).timeout(PATIENCE).build();
        CompletableFuture<LockHandle> waiter = CompletableFuture.supplyAsync(patient::acquire);
        h.release();
        waiter.join().release();
    }

    @Test
    void portsAreASeparateNamespaceFromTheLockOfTheSameKey() {
        String key = freshKey();
        PortSemaphore s = semaphore(key, 3);
        assertEquals(3, s.permits());
        assertEquals(key, s.key());
        List<Integer> p = s.ports();
        assertEquals(List.of(p.get(0), p.get(0) + 1, p.get(0) + 2), p);
        LockPorts lock = PortScheme.DEFAULT.lockPorts(key);
        assertEquals(PortScheme.DEFAULT.lockPorts("\u0000semaphore:" + key).basePort(), p.get(0));
        assertTrue(p.get(0) != lock.basePort(), "another hash");
        try (Portlock l = new Portlock(key, Duration.ZERO)) {
            LockHandle permit = s.tryAcquire().orElseThrow();
            assertTrue(l.tryLock(), "a permit does not hold the lock of the same key");
            permit.release();
        }
        assertTrue(s.toString().contains("(3 permits)"), s.toString());
    }

    @Test
    void permitsOutOfRangeAreRefused() {
        String key = freshKey();
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> PortSemaphore.builder(key, 0));
        assertEquals("permits must be 1 to 64, got 0 for semaphore '" + key + "'",
                zero.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PortSemaphore.builder(key, PortSemaphore.MAX_PERMITS + 1));
        assertEquals(64, PortSemaphore.builder(key, 64).build().permits());
        assertThrows(IllegalArgumentException.class, () -> PortSemaphore.builder("", 1));
        assertThrows(NullPointerException.class, () -> PortSemaphore.builder(null, 1));
        PortScheme top = PortScheme.builder().range(65500, 30).portCount(1).build();
        PortSemaphore.Builder b = PortSemaphore.builder(key, 64).scheme(top);
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(high.getMessage().contains("would pass port 65535"), high.getMessage());
    }

    @Test
    void manyMissesOnAFullSemaphoreLeaveNoSocket() {
        PortSemaphore s = PortSemaphore.builder(freshKey(), 3).timeout(Duration.ofMillis(2))
                .sleepTime(Duration.ofMillis(1)).build();
        long before = Fds.sockets();
        List<LockHandle> held = List.of(s.acquire(), s.acquire(), s.acquire());
        assertEquals(before + 3, Fds.sockets());
        for (int i = 0; i < 2_000; i++) {
            assertEquals(Optional.empty(), s.tryAcquire());
        }
        for (int i = 0; i < 20; i++) {
            assertThrows(PortlockTimeoutException.class, s::acquire);
        }
        assertEquals(before + 3, Fds.sockets());
        held.forEach(LockHandle::release);
        assertEquals(before, Fds.sockets());
    }
}
