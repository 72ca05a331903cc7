package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.testkit.Fds;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NameBinderTest {
    private static final boolean NATIVE = NameBinder.unavailableReason() == null;

    private static LockPorts target() {
        return PortScheme.DEFAULT.lockPorts("test-" + UUID.randomUUID());
    }

    /** The native-access CI run must really exercise the name, not the fallback. */
    @Test
    void theNativeAccessRunHoldsTheName() {
        String why = NameBinder.unavailableReason();
        if (Boolean.getBoolean("k3portlock.nativeAccess")) {
            assertNull(why, "-Dk3portlock.nativeAccess=true, but: " + why);
        } else {
            assertEquals(why == null, PortScheme.DEFAULT.lockPorts("k").linuxName().isPresent());
        }
    }

    @Test
    void anErrnoOtherThanEaddrinuseFailsAtOnceNamingTheKeyAndTheName() {
        LockPorts target = target();
        byte[] tooLong = new byte[200]; // sun_path holds 108: bind(2) says EINVAL
        Arrays.fill(tooLong, 1, tooLong.length, (byte) 'x');
        long before = Fds.sockets();
        if (!NATIVE) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> NameBinder.tryHold(target, "/x", tooLong));
            assertEquals(NameBinder.unavailableReason(), e.getMessage());
            return;
        }
        PortlockException e = assertThrows(PortlockException.class,
                () -> NameBinder.tryHold(target, "/portlock/too-long", tooLong));
        assertEquals(target.key(), e.key());
        assertTrue(e.getMessage().startsWith("cannot bind the Python original's Linux name"
                + " @/portlock/too-long for lock '" + target.key() + "' ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("): bind: Invalid argument (errno 22)"),
                e.getMessage());
        assertTrue(e.getCause() instanceof ErrnoException x && x.errno() == 22);
        assertEquals(before, Fds.sockets(), "the socket of the failed bind is closed");
    }

    @Test
    void aHeldNameIsInUseUntilClosedOnceAndATcpOnlyTargetHoldsNone() throws IOException {
        LockPorts tcpOnly = PortScheme.builder().interop(PortScheme.Interop.TCP_ONLY).build()
                .lockPorts("test-" + UUID.randomUUID());
        assertSame(NameBinder.NONE, NameBinder.tryHold(tcpOnly));
        if (!NATIVE) {
            return;
        }
        LockPorts target = target();
        byte[] sunPath = ("\0" + target.linuxName().orElseThrow())
                .getBytes(StandardCharsets.UTF_8);
        long before = Fds.sockets();
        Closeable held = NameBinder.tryHold(target);
        assertNotNull(held);
        assertEquals(before + 1, Fds.sockets());
        assertNull(NameBinder.tryHold(target), "EADDRINUSE is contention");
        assertEquals(before + 1, Fds.sockets(), "the contending socket is closed");
        held.close();
        held.close(); // a no-op: the descriptor number may already be someone else's
        assertEquals(before, Fds.sockets());
        Closeable again = NameBinder.tryHold(target, target.linuxName().orElseThrow(), sunPath);
        assertNotNull(again, "free after the close");
        again.close();
    }
}
