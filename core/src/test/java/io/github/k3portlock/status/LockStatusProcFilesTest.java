package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.internal.PortBinder;
import java.io.IOException;
import java.net.BindException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holder lookup over a hand-made {@code /proc} tree: the cases a test cannot provoke for real on
 * this machine (no {@code /proc} at all, another user's process, IPv6 wildcards, kernel-owned
 * entries). The real-socket cases are in {@link LockStatusTest}.
 */
class LockStatusProcFilesTest {
    private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr"
            + " tm->when retrnsmt   uid  timeout inode\n";

    /** A probe that finds every port free. */
    private static final PortBinder FREE = PortBinder.binding((ch, a, backlog) -> { });

    @TempDir
    Path proc;

    /** The kernel's format: each 32-bit word of the address printed as a host-order integer. */
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

    private static String line(int sl, String address, int port, int state, int uid, long inode) {
        return String.format(Locale.ROOT, "%4d: %s:%04X 00000000:0000 %02X 00000000:00000000"
                + " 00:00000000 00000000 %5d        0 %d 1 0000000000000000 100 0 0 10 0%n",
                sl, address, port, state, uid, inode);
    }

    private void write(String name, String content) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.write(proc.resolve("net").resolve(name), (HEADER + content).getBytes(StandardCharsets.US_ASCII));
    }

    private void process(long pid, String cmdline, long... socketInodes) throws IOException {
        Path fd = Files.createDirectories(proc.resolve(Long.toString(pid)).resolve("fd"));
        Files.createSymbolicLink(fd.resolve("0"), Paths.get("pipe:[1]"));
        for (int i = 0; i < socketInodes.length; i++) {
            Files.createSymbolicLink(fd.resolve(Integer.toString(i + 3)),
                    Paths.get("socket:[" + socketInodes[i] + "]"));
        }
        Files.write(proc.resolve(Long.toString(pid)).resolve("cmdline"),
                cmdline.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void withoutProcEveryPortIsProbedAndNothingThrows() {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock"); // 44655-44657
        List<Integer> probed = new ArrayList<>();
        PortBinder probe = PortBinder.binding((ch, a, backlog) -> {
            probed.add(a.getPort());
            if (a.getPort() == 44656) {
                throw new BindException("Address already in use");
            }
            if (a.getPort() == 44657) {
                throw new BindException("Cannot assign requested address");
            }
        });
        LockStatus s = LockStatus.inspect(target, proc.resolve("absent"), probe);
        assertEquals(List.of(44655, 44656, 44657), probed);
        assertEquals(List.of(State.FREE, State.HELD, State.UNKNOWN),
                s.portStatuses().stream().map(PortStatus::state).collect(Collectors.toList()));
        assertEquals(Optional.of("in use"), s.portStatuses().get(1).socketState());
        assertTrue(s.portStatuses().get(1).holders().isEmpty());
        assertTrue(s.portStatuses().get(1).uid().isEmpty());
        assertEquals(State.UNKNOWN, s.state(), "1 held + 1 unknown might be a quorum");
        assertEquals(List.of(44655, 44656, 44657),
                s.portStatuses().stream().map(PortStatus::port).collect(Collectors.toList()));
        assertTrue(s.toString().startsWith("lock 'mylock' unknown (1 of 3 ports held"),
                s.toString());

        assertEquals(State.FREE,
                LockStatus.inspect(target, proc.resolve("absent"), FREE).state());
        PortBinder allInUse = PortBinder.binding((ch, a, backlog) -> {
            throw new BindException("Address already in use");
        });
        assertEquals(State.HELD,
                LockStatus.inspect(target, proc.resolve("absent"), allInUse).state());
    }

    @Test
    void portsWithVisibleSocketsAreNotProbed() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock");
        write("tcp", line(0, hex(127, 0, 0, 1), 44655, 0x0A, 0, 11)
                + line(1, hex(127, 0, 0, 1), 44657, 0x0A, 0, 12));
        List<Integer> probed = new ArrayList<>();
        LockStatus s = LockStatus.inspect(target, proc, PortBinder.binding((ch, a, backlog) -> {
            probed.add(a.getPort());
            throw new BindException("Address already in use"); // bound, not listening
        }));
        assertEquals(List.of(44656), probed);
        assertEquals(3, s.heldCount());
        assertEquals(Optional.of("bound"), s.portStatuses().get(1).socketState(), "invisible in /proc, found by probe");
        assertTrue(s.portStatuses().get(1).holders().isEmpty());
    }

    @Test
    void holderNamedFromFdLinksAndOthersUsersSocketIsUnknownOwner() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock"); // 127.0.0.1:44655-44657
        String lo = hex(127, 0, 0, 1);
        write("tcp", line(0, lo, 44655, 0x0A, 1000, 501)
                + line(1, lo, 44656, 0x0A, 1000, 502)
                + line(2, hex(127, 0, 0, 2), 44657, 0x0A, 0, 777) // another address: not ours
                + line(3, lo, 44657, 0x07, 0, 503)                // bound, owner not readable
                + line(4, lo, 12345, 0x0A, 0, 504));              // another port
        process(4242, "java\0-jar\0app.jar\0mylock\0", 501, 502);
        process(4243, "", 999);

        // A socket in another state than LISTEN may set SO_REUSEADDR and then not block the
        // lock: the probe tells, and here it finds 44657 in use.
        LockStatus s = LockStatus.inspect(target, proc, inUse(44657));
        assertEquals(State.HELD, s.state(), s.toString());
        assertEquals(3, s.heldCount());
        PortStatus p0 = s.portStatuses().get(0);
        assertEquals(Optional.of("listening"), p0.socketState());
        assertEquals(OptionalInt.of(1000), p0.uid());
        assertEquals(1, p0.holders().size());
        assertEquals(4242, p0.holders().get(0).pid());
        assertEquals("java -jar app.jar mylock", p0.holders().get(0).commandLine().orElseThrow());
        PortStatus p2 = s.portStatuses().get(2);
        assertEquals(State.HELD, p2.state());
        assertEquals(Optional.of("bound"), p2.socketState());
        assertTrue(p2.holders().isEmpty(), "owner unknown: no readable fd link names inode 503");
        assertEquals(OptionalInt.of(0), p2.uid());
        assertEquals("44657 held (bound) by an unknown owner (uid 0)", p2.toString());
        assertEquals(1, s.holders().size());
    }

    @Test
    void timeWaitAndSocketlessEntriesDoNotHoldAPort() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock");
        String lo = hex(127, 0, 0, 1);
        write("tcp", line(0, lo, 44655, 0x06, 0, 0)   // TIME_WAIT
                + line(1, lo, 44656, 0x03, 0, 0)      // SYN_RECV request: no socket yet
                + line(2, lo, 44657, 0x01, 1000, 601)); // local end of a connection
        process(4244, "java\0Waiter\0", 601);
        // A connection's local end blocks the lock only without SO_REUSEADDR (a waiter's sets
        // it): the probe tells. Here it finds the port in use.
        LockStatus s = LockStatus.inspect(target, proc, inUse(44657));
        assertEquals(State.FREE, s.portStatuses().get(0).state());
        assertEquals(State.FREE, s.portStatuses().get(1).state());
        assertEquals(State.HELD, s.portStatuses().get(2).state());
        assertEquals(Optional.of("connected"), s.portStatuses().get(2).socketState());
        assertEquals(List.of(4244L), s.holders().stream().map(PortHolder::pid)
                .collect(Collectors.toList()));
        assertEquals(State.FREE, s.state(), "one port of three is not a quorum");

        // Here the probe binds beside it, as beside a waiter's connection: free, nobody named.
        LockStatus free = LockStatus.inspect(target, proc, FREE);
        assertEquals(State.FREE, free.portStatuses().get(2).state(), free.toString());
        assertTrue(free.holders().isEmpty(), free.toString());
    }

    /** A probe that finds {@code port} in use and every other port free. */
    private static PortBinder inUse(int... ports) {
        return PortBinder.binding((ch, a, backlog) -> {
            for (int p : ports) {
                if (a.getPort() == p) {
                    throw new BindException("Address already in use");
                }
            }
        });
    }

    @Test
    void ipv6WildcardAndMappedAddressesOccupyAnIpv4LockPort() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock");
        write("tcp", "");
        write("tcp6", line(0, hex(new int[16]), 44655, 0x0A, 0, 701)                  // [::]
                + line(1, hex(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1), 44656,
                        0x07, 0, 702)                                                   // ::ffff:127.0.0.1
                + line(2, hex(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 44657,
                        0x0A, 0, 703));                                                 // [::1]: not ours
        process(99, "python3\0-m\0http.server\0", 701, 702);
        // [::] covers 127.0.0.1 only when dual-stack, which /proc does not show: the probe tells
        // (issue 14), and here it finds 44655 in use.
        // The bound (not listening) socket on 44656 may set SO_REUSEADDR: the probe tells too.
        LockStatus s = LockStatus.inspect(target, proc, inUse(44655, 44656));
        assertEquals(State.HELD, s.portStatuses().get(0).state(), s.toString());
        assertEquals(State.HELD, s.portStatuses().get(1).state(), s.toString());
        assertEquals(State.FREE, s.portStatuses().get(2).state(), s.toString());
        assertEquals(State.HELD, s.state());
        assertEquals(List.of(99L), s.holders().stream().map(PortHolder::pid)
                .collect(Collectors.toList()));
    }

    @Test
    void ipv4WildcardOccupiesButDoesNotBlockAnIpv6LockAddress() throws IOException {
        LockPorts target = PortScheme.builder().host("::1").build().lockPorts("mylock");
        write("tcp", line(0, hex(0, 0, 0, 0), 44655, 0x0A, 0, 801));                  // 0.0.0.0
        write("tcp6", line(0, hex(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 44656,
                0x0A, 0, 802));                                                         // [::1]
        LockStatus s = LockStatus.inspect(target, proc, FREE);
        assertEquals(State.FREE, s.portStatuses().get(0).state(), s.toString());
        assertEquals(State.HELD, s.portStatuses().get(1).state(), s.toString());
    }

    @Test
    void sharedSocketListsEveryProcessAndFallsBackToComm() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock");
        write("tcp", line(0, hex(127, 0, 0, 1), 44655, 0x0A, 0, 901));
        process(20, "", 901);
        Files.write(proc.resolve("20").resolve("comm"), "kworker\n".getBytes(StandardCharsets.UTF_8));
        process(10, "holder\0", 901); // the parent; 20 inherited its socket
        PortStatus p = LockStatus.inspect(target, proc, FREE).portStatuses().get(0);
        assertEquals(List.of(10L, 20L), p.holders().stream().map(PortHolder::pid)
                .collect(Collectors.toList()));
        assertEquals("[kworker]", p.holders().get(1).commandLine().orElseThrow());
    }

    @Test
    void unparsableLinesAreSkipped() throws IOException {
        LockPorts target = PortScheme.DEFAULT.lockPorts("mylock");
        write("tcp", "garbage\n   7: ZZZZ:AE6F 00000000:0000 0A 0 0 0 0 0 1\n"
                + line(0, hex(127, 0, 0, 1), 44656, 0x0A, 0, 5));
        LockStatus s = LockStatus.inspect(target, proc, FREE);
        assertEquals(State.FREE, s.portStatuses().get(0).state());
        assertEquals(State.HELD, s.portStatuses().get(1).state());
    }
}
