package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortFixtures;
import io.github.k3portlock.internal.PortBinder;
import java.net.SocketException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LockStatus} when this process is out of file descriptors (issue 13). */
class LockStatusFdTest {

    /** A status probe that meets the limit says so, naming key and port; it does not guess. */
    @Test
    void aStatusProbeAtTheLimitSaysSo(@TempDir Path noProc) {
        LockPorts ports = PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey());
        PortBinder exhausted = a -> {
            throw new SocketException("Too many open files");
        };
        PortlockException e = assertThrows(PortlockException.class,
                () -> LockStatus.inspect(ports, noProc, exhausted));
        assertEquals(ports.key(), e.key());
        assertEquals(ports.basePort(), e.port().getAsInt());
        assertTrue(e.getMessage().contains("this process is out of file descriptors"),
                e.getMessage());
        PortBinder denied = a -> {
            throw new java.net.BindException("Permission denied");
        };
        assertEquals(State.UNKNOWN, LockStatus.inspect(ports, noProc, denied).state(),
                "other probe failures stay UNKNOWN");
    }
}
