package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.k3portlock.internal.NameBinder;
import io.github.k3portlock.status.NameStatus;
import io.github.k3portlock.internal.LoggedCloses;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import io.github.k3portlock.testkit.KeyHolder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Python original's Linux name ({@code "\0/portlock/" + key}) beside the ports. Each test
 * asserts what this JVM must do: on Linux with Java 22+ and native access enabled (the second CI
 * run) the name is held and excludes the original; elsewhere (the Java 17 run) nothing native
 * happens and the original is, as documented, not excluded.
 */
class LinuxNameTest {
    private static final String REASON = NameBinder.unavailableReason();
    private static final boolean NATIVE = REASON == null;
    private static final boolean LINUX = System.getProperty("os.name").startsWith("Linux");
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final PortScheme TCP_ONLY =
            PortScheme.builder().interop(PortScheme.Interop.TCP_ONLY).build();

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    private Process peer(String mode, String key) throws IOException {
        assumeTrue(LINUX, "the original binds its name on Linux only");
        Path script;
        try {
            script = Path.of(LinuxNameTest.class.getResource("/portlock_peer.py").toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
        Process p;
        try {
            p = new ProcessBuilder("python3", script.toString(), mode, key)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is needed for the interop peer: " + e);
            throw e;
        }
        children.add(p);
        return p;
    }

    private static String peerHolds(Process peer) {
        return ChildJvm.awaitLine(peer, "", PATIENCE);
    }

    /** Lets a holding peer close its socket, and waits until it has. */
    private static void release(Process peer) {
        ChildJvm.send(peer, "");
        ChildJvm.awaitLine(peer, "RELEASED", PATIENCE);
    }

    @Test
    void theDefaultSchemeHoldsTheNameExactlyWhenThisJvmCan() {
        String key = freshKey();
        Optional<String> name = PortScheme.DEFAULT.lockPorts(key).linuxName();
        assertEquals(NATIVE ? Optional.of("/portlock/" + key) : Optional.empty(), name,
                "unavailable because: " + REASON);
        assertEquals(Optional.empty(), TCP_ONLY.lockPorts(key).linuxName());
        long before = Fds.sockets();
        try (Portlock lock = new Portlock(key)) {
            assertTrue(lock.tryLock());
            assertEquals(before + 2 + (NATIVE ? 1 : 0), Fds.sockets(),
                    "two ports, and the abstract socket when held");
        }
        assertEquals(before, Fds.sockets());
    }

    @Test
    void thePeerHoldingTheNameMakesTryLockFalseOnlyWhenTheNameIsHeld() throws IOException {
        String key = freshKey();
        Process peer = peer("try", key);
        assertTrue(peerHolds(peer).startsWith("HELD "));
        NameStatus status = NameStatus.inspect(key);
        assertTrue(status.held() && status.holders().stream().anyMatch(h -> h.pid() == peer.pid()),
                "status names the original as holder: " + status);
        // Regression: a miss on the name used to log a refused close of a null socket, on every
        // poll while the original held the key.
        List<String> logged = LoggedCloses.during(() -> {
            try (Portlock lock = new Portlock(key)) {
                assertEquals(!NATIVE, lock.tryLock(), NATIVE ? "the original holds the key"
                        : "without the name the original is not excluded (documented): " + REASON);
            }
        });
        assertEquals(List.of(), logged, "a miss on the name closes what it took, quietly");
        // A miss on the name released the ports it had taken at once.
        try (Portlock tcp = Portlock.builder(key).scheme(TCP_ONLY).build()) {
            assertTrue(tcp.tryLock());
        }
    }

    @Test
    void javaHoldingMakesThePeersBindFailWithEaddrinuse() throws IOException {
        String key = freshKey();
        try (Portlock lock = new Portlock(key)) {
            assertTrue(lock.tryLock());
            Process peer = peer("try", key);
            String line = peerHolds(peer);
            assertTrue(line.startsWith(NATIVE ? "BUSY" : "HELD "), line);
            if (!NATIVE) {
                release(peer);
            }
        }
        // Released: the peer gets it.
        Process peer = peer("try", key);
        assertTrue(peerHolds(peer).startsWith("HELD "));
    }

    @Test
    void aKilledPeerFreesTheNameForJava() throws IOException {
        String key = freshKey();
        Process peer = peer("try", key);
        assertTrue(peerHolds(peer).startsWith("HELD "));
        try (Portlock lock = new Portlock(key)) {
            assertEquals(!NATIVE, lock.tryLock());
        }
        peer.destroyForcibly(); // SIGKILL
        try (Portlock lock = Portlock.builder(key).timeout(PATIENCE).build()) {
            lock.acquire();
            assertTrue(lock.hasLocked());
        }
    }

    @Test
    void aKilledJavaHolderFreesTheNameForThePeer() throws IOException, InterruptedException {
        String key = freshKey();
        Process holder = new ProcessBuilder(ChildJvm.command(
                List.of("--enable-native-access=ALL-UNNAMED"), KeyHolder.class, "hold", key))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(holder);
        ChildJvm.awaitLine(holder, "LOCKED ", PATIENCE);
        Process tryPeer = peer("try", key);
        String line = peerHolds(tryPeer);
        // The child runs this JVM's java: it holds the name exactly when this JVM can.
        assertTrue(line.startsWith(NATIVE ? "BUSY" : "HELD "), line);
        if (!NATIVE) {
            release(tryPeer);
        }
        Process waiting = peer("wait", key);
        holder.destroyForcibly(); // SIGKILL
        assertTrue(peerHolds(waiting).startsWith("HELD "));
        holder.waitFor();
    }

    @Test
    void requireFailsAtConstructionSayingWhyAndHow() {
        PortScheme.Builder b = PortScheme.builder().interop(PortScheme.Interop.REQUIRE_LINUX_NAME);
        if (NATIVE) {
            PortScheme s = b.build();
            String key = freshKey();
            assertEquals(Optional.of("/portlock/" + key), s.lockPorts(key).linuxName());
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().startsWith("cannot hold the Python original's Linux name"
                + " (interop REQUIRE_LINUX_NAME): "), e.getMessage());
        assertTrue(e.getMessage().contains("--enable-native-access=ALL-UNNAMED")
                || e.getMessage().contains("not Linux")
                || e.getMessage().contains("multi-release"), e.getMessage());
    }

    /** A child JVM without native access: what the Java 17 run and a 22+ JVM without the flag do. */
    @Test
    void withoutNativeAccessRequireFailsAndAutomaticHoldsThePortsAloneSilently()
            throws IOException, InterruptedException {
        String key = freshKey();
        Process child = new ProcessBuilder(ChildJvm.command(List.of(), InteropChild.class, key))
                .redirectErrorStream(true).start();
        children.add(child);
        String out;
        try (InputStream in = child.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertEquals(0, child.waitFor(), out);
        int feature = Runtime.version().feature();
        String reason = !LINUX ? "not Linux"
                : feature < 22 ? "this is Java " + feature + ", and binding the name needs Java 22"
                : "native access is not enabled for the class path (the unnamed module); run java"
                        + " with --enable-native-access=ALL-UNNAMED (class path)";
        assertTrue(out.contains("REQUIRE cannot hold the Python original's Linux name (interop"
                + " REQUIRE_LINUX_NAME): "), out);
        assertTrue(out.contains(reason), out);
        assertTrue(out.contains("AUTO got=true name=false sockets=2"), out);
        assertFalse(out.contains("WARNING"), "no restricted-method warning: " + out);
    }

    @Test
    void keysWhoseNameDoesNotFitSunPathHoldThePortsAloneOrAreRefusedWhenRequired() {
        String fits = "k".repeat(NameBinder.MAX_KEY_BYTES - 36) + freshKey().substring(5);
        assertEquals(97, fits.getBytes(StandardCharsets.UTF_8).length);
        String tooLong = "é" + fits.substring(1); // one more byte in UTF-8
        assertEquals(NATIVE, PortScheme.DEFAULT.lockPorts(fits).linuxName().isPresent());
        assertEquals(Optional.empty(), PortScheme.DEFAULT.lockPorts(tooLong).linuxName());
        long before = Fds.sockets();
        try (Portlock lock = new Portlock(tooLong)) {
            assertTrue(lock.tryLock(), "the ports alone");
            assertEquals(before + 2, Fds.sockets());
        }
        if (NATIVE) {
            PortScheme required = PortScheme.builder()
                    .interop(PortScheme.Interop.REQUIRE_LINUX_NAME).build();
            assertNotNull(required.lockPorts(fits));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> required.lockPorts(tooLong));
            assertTrue(e.getMessage().contains("is 98 bytes in UTF-8")
                    && e.getMessage().contains("more than 97 bytes"), e.getMessage());
        }
    }

    @Test
    void aMissOnThePortsReleasesTheNameAtOnce() throws IOException {
        String key = freshKey();
        try (Portlock tcp = Portlock.builder(key).scheme(TCP_ONLY).build()) {
            assertTrue(tcp.tryLock());
            long before = Fds.sockets();
            try (Portlock both = new Portlock(key)) {
                assertFalse(both.tryLock(), "the ports are held");
            }
            assertEquals(before, Fds.sockets());
            // The name was let go with the miss: the original can take it now.
            String line = peerHolds(peer("try", key));
            assertTrue(line.startsWith("HELD "), line);
        }
    }

    @Test
    void tenThousandContendedMissesLeaveNoDescriptor() throws IOException {
        String key = freshKey();
        for (PortScheme holderScheme : List.of(PortScheme.DEFAULT, TCP_ONLY)) {
            try (Portlock holder = Portlock.builder(key).scheme(holderScheme).build();
                 Portlock other = new Portlock(key)) {
                assertTrue(holder.tryLock());
                long before = Fds.sockets();
                for (int i = 0; i < 10_000; i++) {
                    assertFalse(other.tryLock());
                }
                assertEquals(before, Fds.sockets(), "after misses against " + holderScheme);
            }
        }
        if (NATIVE) { // and against the original, where the miss is at the name
            Process peer = peer("try", key);
            assertTrue(peerHolds(peer).startsWith("HELD "));
            long before = Fds.sockets();
            try (Portlock other = new Portlock(key)) {
                for (int i = 0; i < 10_000; i++) {
                    assertFalse(other.tryLock());
                }
            }
            assertEquals(before, Fds.sockets());
        }
    }
}
