package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortFixtures;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.Tcp;
import java.io.IOException;
import java.net.BindException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, item 1: a closed connection in TIME_WAIT on a lock port is reported as what it is (no
 * process; the port frees itself), not as "an unknown owner (a socket bound without listening)".
 */
class TimeWaitTest {
    @TempDir
    Path proc;

    @Test
    void aRealTimeWaitIsReportedAsAClosedConnection() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")),
                "needs Linux /proc/net/tcp");
        LockPorts target = null;
        for (int attempt = 0; attempt < 10 && target == null; attempt++) {
            LockPorts candidate = PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey());
            if (Tcp.leaveTimeWait(candidate.numbers().get(0))
                    && Tcp.leaveTimeWait(candidate.numbers().get(1))) {
                target = candidate;
            }
        }
        assertTrue(target != null, "no key with two free ports in 10 tries");
        LockPorts t = target;
        Await.until("TIME_WAIT on " + t.numbers().subList(0, 2) + " in /proc/net/tcp{,6}",
                () -> Tcp.listedInTimeWait(t.numbers().get(0))
                        && Tcp.listedInTimeWait(t.numbers().get(1)));

        // The TIME_WAITs really block the lock: this is what status must explain.
        try (Portlock lock = Portlock.builder(t.key()).build()) {
            assertFalse(lock.tryLock(), "two ports in TIME_WAIT leave no quorum");
        }
        LockStatus s = LockStatus.inspect(t);
        assertEquals(State.HELD, s.state(), s.toString());
        for (int i = 0; i < 2; i++) {
            PortStatus p = s.portStatuses().get(i);
            assertEquals(State.HELD, p.state(), s.toString());
            assertEquals(Optional.of("time-wait"), p.socketState(), s.toString());
            assertEquals(List.of(), p.holders(), s.toString());
            assertEquals(OptionalInt.empty(), p.uid(), "a TIME_WAIT entry has no owner: " + s);
            assertTrue(p.toString().contains("held (time-wait) by a closed connection (no process;"),
                    p.toString());
            assertTrue(p.toString().contains("TIME_WAIT period"), p.toString());
        }
        assertTrue(s.holders().isEmpty(), s.toString());
    }

    private static String hex(int... bytes) {
        StringBuilder sb = new StringBuilder();
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        for (int w = 0; w < bytes.length / 4; w++) {
            for (int i = 0; i < 4; i++) {
                sb.append(String.format(Locale.ROOT, "%02X", bytes[w * 4 + (little ? 3 - i : i)]));
            }
        }
        return sb.toString();
    }

    private void writeTcp(String lines) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.write(proc.resolve("net/tcp"), ("  sl  local_address rem_address   st tx_queue"
                + " rx_queue tr tm->when retrnsmt   uid  timeout inode\n" + lines)
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static String line(int sl, String address, int port, int state, long inode) {
        return String.format(Locale.ROOT, "%4d: %s:%04X 0100007F:A0B1 %02X 00000000:00000000"
                + " 03:00000CE4 00000000     0        0 %d 1 0000000000000000 100 0 0 10 0%n",
                sl, address, port, state, inode);
    }

    @Test
    void aTimeWaitEntryThatBlocksTheProbeNamesThePortsState() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock"); // 44655-44657
        String lo = hex(127, 0, 0, 1);
        writeTcp(line(0, lo, 44655, 0x06, 0) + line(1, lo, 44656, 0x06, 0));
        PortBinder inUse = PortBinder.binding((ch, a, backlog) -> {
            if (a.getPort() != 44657) {
                throw new BindException("Address already in use");
            }
        });
        LockStatus s = LockStatus.inspect(target, proc, inUse);
        assertEquals(State.HELD, s.state(), s.toString());
        assertEquals(Optional.of("time-wait"), s.portStatuses().get(0).socketState(), s.toString());
        assertEquals(Optional.of("time-wait"), s.portStatuses().get(1).socketState(), s.toString());
        assertEquals(State.FREE, s.portStatuses().get(2).state(), s.toString());
        assertEquals("44655 held (time-wait) by a closed connection (no process; the kernel frees"
                + " the port within its TIME_WAIT period, about 60 s on Linux)",
                s.portStatuses().get(0).toString());
    }

    @Test
    void aTimeWaitEntryThatDoesNotBlockTheProbeLeavesThePortFree() throws IOException {
        // Both sides with SO_REUSEADDR: the lock can bind over the TIME_WAIT.
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock");
        writeTcp(line(0, hex(127, 0, 0, 1), 44655, 0x06, 0));
        LockStatus s = LockStatus.inspect(target, proc, PortBinder.binding((ch, a, b) -> { }));
        assertEquals(State.FREE, s.portStatuses().get(0).state(), s.toString());
        assertEquals(Optional.empty(), s.portStatuses().get(0).socketState(), s.toString());
    }
}
