package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortFixtures;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.KeyHolder;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holder lookup against real sockets and real processes (Linux: {@code /proc}).
 */
class LockStatusTest {
    private static final long DEADLINE_MS = 30_000;

    @BeforeAll
    static void linuxOnly() {
        // These tests check what /proc says; elsewhere LockStatus answers UNKNOWN (tested with
        // an absent /proc in LockStatusProcFilesTest).
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")),
                "needs Linux /proc/net/tcp");
    }

    @Test
    void freePortsReportFree() {
        // Ports 40000-60001 overlap the ephemeral range: a key's port may be taken by an outgoing
        // connection at any moment. A few fresh keys make "all free" overwhelmingly likely, while
        // an inspector that never answered FREE still fails.
        LockStatus s = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            s = LockStatus.inspect(PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey()));
            if (s.heldCount() == 0) {
                break;
            }
        }
        assertEquals(State.FREE, s.state(), s.toString());
        assertEquals(0, s.heldCount(), s.toString());
        for (PortStatus p : s.portStatuses()) {
            assertEquals(State.FREE, p.state(), s.toString());
            assertTrue(p.holders().isEmpty());
            assertTrue(p.uid().isEmpty());
            assertEquals(Optional.empty(), p.socketState());
        }
        assertTrue(s.holders().isEmpty());
        assertEquals(s.target().numbers(), s.portStatuses().stream().map(PortStatus::port)
                .collect(Collectors.toList()));
    }

    @Test
    void lockHeldInThisProcessNamesThisPid() {
        long me = ProcessHandle.current().pid();
        try (Portlock lock = new Portlock(PortFixtures.freshKey())) {
            assertTrue(lock.tryLock());
            LockStatus s = LockStatus.inspect(lock.lockPorts());
            assertEquals(State.HELD, s.state(), s.toString());
            for (PortStatus p : s.portStatuses()) {
                if (p.state() == State.HELD && p.holders().stream()
                        .anyMatch(h -> h.pid() == me)) {
                    assertEquals(Optional.of("listening"), p.socketState(), s.toString());
                }
            }
            long mine = s.portStatuses().stream().filter(p -> p.holders().stream()
                    .anyMatch(h -> h.pid() == me)).count();
            assertEquals(lock.lockPorts().quorum(), mine, s.toString());
            PortHolder h = s.holders().stream().filter(x -> x.pid() == me).findFirst().orElseThrow();
            assertTrue(h.commandLine().orElse("").contains("java"), h.toString());
        }
    }

    @Test
    void anInterruptedThreadStillReadsProcAndKeepsItsInterruptFlag() {
        // Regression: /proc was read through interruptible channels, so an interrupted thread
        // silently fell back to probing: no holder, no command line, socket state "bound".
        long me = ProcessHandle.current().pid();
        try (Portlock lock = new Portlock(PortFixtures.freshKey())) {
            assertTrue(lock.tryLock());
            LockStatus s;
            Thread.currentThread().interrupt();
            try {
                s = LockStatus.inspect(lock.lockPorts());
            } finally {
                assertTrue(Thread.interrupted(), "inspect keeps the interrupt flag (cleared here)");
            }
            assertEquals(State.HELD, s.state(), s.toString());
            long mine = s.portStatuses().stream().filter(p -> p.socketState().equals(Optional.of("listening"))
                    && p.holders().stream().anyMatch(h -> h.pid() == me)).count();
            assertEquals(lock.lockPorts().quorum(), mine, s.toString());
            PortHolder h = s.holders().stream().filter(x -> x.pid() == me).findFirst().orElseThrow();
            assertTrue(h.commandLine().orElse("").contains("java"), h.toString());
        }
    }

    @Test
    void childJvmHoldingTheLockIsNamedWithItsPid() throws Exception {
        String key = PortFixtures.freshKey();
        LockPorts target = PortScheme.DEFAULT.lockPorts(key);
        Process child = ChildJvm.start(KeyHolder.class, "hold", key);
        try {
            ChildJvm.awaitLine(child, "LOCKED", Duration.ofMillis(DEADLINE_MS));
            LockStatus s = LockStatus.inspect(target);
            assertEquals(State.HELD, s.state(), s.toString());
            List<PortStatus> childs = s.portStatuses().stream()
                    .filter(p -> p.holders().stream().anyMatch(h -> h.pid() == child.pid()))
                    .collect(Collectors.toList());
            assertEquals(target.quorum(), childs.size(), s.toString());
            for (PortStatus p : childs) {
                assertEquals(State.HELD, p.state());
                assertEquals(Optional.of("listening"), p.socketState());
                assertTrue(p.uid().isPresent());
            }
            PortHolder h = s.holders().stream().filter(x -> x.pid() == child.pid())
                    .findFirst().orElseThrow();
            String cmd = h.commandLine().orElseThrow();
            assertTrue(cmd.contains(KeyHolder.class.getName()) && cmd.contains(key), cmd);
            assertTrue(s.toString().contains("pid " + child.pid()), s.toString());
        } finally {
            child.getOutputStream().close(); // EOF: the holder releases and exits
            assertTrue(child.waitFor(DEADLINE_MS, TimeUnit.MILLISECONDS));
        }
        // The kernel freed the child's ports: its pid is gone from every port.
        LockStatus after = LockStatus.inspect(target);
        assertFalse(after.holders().stream().anyMatch(h -> h.pid() == child.pid()),
                after.toString());
    }

    @Test
    @SuppressWarnings("try") // the sockets are held, not used
    void strangersPlainSocketOnOnePortIsReportedAndDoesNotHoldTheLock() throws IOException {
        for (int attempt = 0; ; attempt++) {
            LockPorts target = PortFixtures.freePorts();
            // A plain bind without listen, as the Python original does: Linux lists it nowhere in
            // /proc, so only the probe finds it, and its owner stays unknown.
            try (Socket stranger = PortFixtures.plainBind(target.socketAddresses().get(1))) {
                LockStatus s = LockStatus.inspect(target);
                PortStatus p = s.portStatuses().get(1);
                assertEquals(State.HELD, p.state(), s.toString());
                assertEquals(Optional.of("bound"), p.socketState(), s.toString());
                assertTrue(p.holders().isEmpty(), s.toString());
                assertTrue(s.toString().contains(p.port() + " held (bound) by an unknown owner"),
                        s.toString());
                if (s.heldCount() != 1 && attempt < 5) {
                    continue; // an ephemeral connection took another port meanwhile
                }
                assertEquals(1, s.heldCount(), s.toString());
                assertEquals(State.FREE, s.state(), "one stranger is not a quorum");
                return;
            } catch (BindException e) {
                if (attempt >= 5) {
                    throw e;
                }
            }
        }
    }

    @Test
    void strangersListeningSocketIsNamedWithItsPid() throws IOException {
        long me = ProcessHandle.current().pid();
        LockPorts target = PortFixtures.freePorts();
        try (ServerSocketChannel stranger = ServerSocketChannel.open()) {
            stranger.bind(target.socketAddresses().get(2), 1);
            PortStatus p = LockStatus.inspect(target).portStatuses().get(2);
            assertEquals(State.HELD, p.state(), p.toString());
            assertEquals(Optional.of("listening"), p.socketState());
            assertEquals(List.of(me), p.holders().stream().map(PortHolder::pid)
                    .collect(Collectors.toList()), p.toString());
        }
    }

    @Test
    @SuppressWarnings("try") // the sockets are held, not used
    void pythonStyleHolderOfTwoPlainBindsHoldsTheLockWithAnUnknownOwner() throws IOException {
        LockPorts target = PortFixtures.freePorts();
        try (Socket a = PortFixtures.plainBind(target.socketAddresses().get(0));
                Socket b = PortFixtures.plainBind(target.socketAddresses().get(2))) {
            LockStatus s = LockStatus.inspect(target);
            assertEquals(State.HELD, s.state(), s.toString());
            assertTrue(s.holders().isEmpty(), s.toString());
        }
    }

    @Test
    void wildcardListenerOccupiesTheLoopbackPort() throws IOException {
        long me = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            LockPorts target = PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey());
            int port = target.numbers().get(0);
            try (ServerSocketChannel stranger = ServerSocketChannel.open()) {
                try {
                    stranger.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
                } catch (BindException e) {
                    if (attempt < 5) {
                        continue;
                    }
                    throw e;
                }
                PortStatus p = LockStatus.inspect(target).portStatuses().get(0);
                assertEquals(State.HELD, p.state(), p.toString());
                assertEquals(Optional.of("listening"), p.socketState());
                assertTrue(p.holders().stream().anyMatch(h -> h.pid() == me), p.toString());
                return;
            }
        }
    }

    @Test
    void inspectingLeaksNoFileDescriptor() throws IOException {
        String key = PortFixtures.freshKey();
        try (Portlock lock = new Portlock(key)) {
            assertTrue(lock.tryLock()); // held ports make inspect scan every process's fds
            LockStatus.inspect(lock.lockPorts()); // warm up class loading
            long sockets = PortFixtures.openFds();
            long all = allFds();
            int n = 50;
            for (int i = 0; i < n; i++) {
                LockStatus.inspect(lock.lockPorts()); // also probes the third port: a socket
            }
            assertEquals(sockets, PortFixtures.openFds(), "probe sockets all closed");
            // Directory streams and files: the JVM opens and closes jars on its own schedule, so
            // allow a little noise, far below one leaked descriptor per inspection.
            long grown = allFds() - all;
            assertTrue(grown < n / 5, "descriptors grew by " + grown + " over " + n + " inspections");
        }
    }

    private static long allFds() throws IOException {
        try (var s = Files.list(Paths.get("/proc/self/fd"))) {
            return s.count();
        }
    }
}
