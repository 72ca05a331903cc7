package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.internal.PortBinder;
import java.io.IOException;
import java.net.BindException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ErrorsTest {

    @Test
    void nullOrEmptyKeyIsRejectedAtOnce() {
        assertThrows(NullPointerException.class, () -> new Portlock(null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Portlock(""));
        assertTrue(e.getMessage().contains("empty"));
        assertThrows(NullPointerException.class, () -> Portlock.builder(null));
    }

    @Test
    void negativeDurationsAreRejectedAtOnceNamingTheKey() {
        String key = freshKey();
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> new Portlock(key, Duration.ofMillis(-1)));
        assertTrue(t.getMessage().contains("timeout") && t.getMessage().contains(key), t.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                () -> new Portlock(key, Duration.ofSeconds(1), Duration.ofMillis(-5)));
        assertTrue(s.getMessage().contains("sleepTime") && s.getMessage().contains(key));
        assertThrows(IllegalArgumentException.class,
                () -> new Portlock(key, Duration.ofSeconds(1), Duration.ZERO));
        NullPointerException n = assertThrows(NullPointerException.class, () -> new Portlock(key, null));
        assertEquals("timeout is null for lock '" + key + "'", n.getMessage());
        NullPointerException ns = assertThrows(NullPointerException.class,
                () -> new Portlock(key, Duration.ZERO, null));
        assertEquals("sleepTime is null for lock '" + key + "'", ns.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Portlock.builder(key).timeout(Duration.ofSeconds(-1)));
    }

    /** 203.0.113.7 (TEST-NET-3) is never a local address: a permanent error, not contention. */
    @Test
    void nonLocalHostFailsFastNotAfterTheTimeout() {
        String key = freshKey();
        PortScheme remote = PortScheme.builder().host("203.0.113.7").allowNonLoopback().build();
        Portlock lock = Portlock.builder(key).scheme(remote).timeout(Duration.ofSeconds(20)).build();
        long fds = PortFixtures.openFds();
        long t0 = System.nanoTime();
        PortlockException e = assertThrows(PortlockException.class, lock::acquire);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertFalse(e instanceof PortlockTimeoutException, "a permanent error is not a timeout");
        assertTrue(ms < 5000, "failed after " + ms + " ms; must not wait for the 20 s timeout");
        assertEquals(key, e.key());
        assertEquals(lock.lockPorts().basePort(), e.port().getAsInt());
        assertTrue(e.getMessage().contains("203.0.113.7:" + lock.lockPorts().basePort()), e.getMessage());
        assertTrue(e.getMessage().contains("not local"), e.getMessage());
        assertTrue(e.getCause() instanceof IOException);
        assertFalse(lock.hasLocked());
        assertEquals(fds, PortFixtures.openFds(), "nothing may stay open");
    }

    /** "Too many open files" on the second port: clear error, the first port closed. */
    @Test
    void tooManyOpenFilesIsAClearErrorAndLeaksNothing() throws Exception {
        LockPorts ports = PortFixtures.freePorts();
        String key = ports.key();
        AtomicInteger opens = new AtomicInteger();
        PortBinder binder = address -> {
            if (opens.incrementAndGet() > 1) {
                throw new SocketException("Too many open files");
            }
            return PortBinder.DEFAULT.open(address);
        };
        Portlock lock = new Portlock(ports, Duration.ofSeconds(20), Duration.ofMillis(10), binder);
        long fds = PortFixtures.openFds();
        long t0 = System.nanoTime();
        PortlockException e = assertThrows(PortlockException.class, lock::acquire);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "must fail at once");
        assertFalse(e instanceof PortlockTimeoutException);
        assertEquals(ports.basePort() + 1, e.port().getAsInt());
        assertTrue(e.getMessage().contains("out of file descriptors"), e.getMessage());
        assertTrue(e.getMessage().contains(key), e.getMessage());
        assertEquals(2, opens.get(), "the first port bound, the second could not open");
        assertEquals(fds, PortFixtures.openFds(), "the port bound before the failure was closed");
        assertTrue(PortFixtures.allPortsFree(ports));
        assertFalse(lock.hasLocked());
    }

    @Test
    void contentionIsOnlyAddressInUse() throws Exception {
        String key = freshKey();
        LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
        PortBinder busy = PortBinder.binding((ch, a, backlog) -> {
            throw new BindException("Address already in use");
        });
        Portlock lock = new Portlock(ports, Duration.ZERO, Duration.ofMillis(1), busy);
        assertFalse(lock.tryLock());
        PortBinder denied = PortBinder.binding((ch, a, backlog) -> {
            throw new BindException("Permission denied");
        });
        Portlock lock2 = new Portlock(ports, Duration.ZERO, Duration.ofMillis(1), denied);
        PortlockException e = assertThrows(PortlockException.class, lock2::tryLock);
        assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        PortBinder broken = a -> {
            throw new IllegalStateException("boom");
        };
        Portlock lock3 = new Portlock(ports, Duration.ZERO, Duration.ofMillis(1), broken);
        assertThrows(IllegalStateException.class, lock3::tryLock);
    }

    /** A 10 KB key: messages name it cut to 64 characters, the accessor keeps it whole. */
    @Test
    void aHugeKeyIsCutInMessagesButKeptWholeInTheException() {
        String key = freshKey() + "x".repeat(10_240);
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> new Portlock(key, Duration.ofMillis(-1)));
        assertTrue(t.getMessage().length() < 300, t.getMessage().length() + " chars");
        assertTrue(t.getMessage().contains(key.substring(0, 64) + "…(" + key.length() + " chars)'"),
                t.getMessage());
        try (Portlock holder = new Portlock(key); Portlock waiter = new Portlock(key, Duration.ZERO)) {
            assertTrue(holder.tryLock());
            assertTrue(holder.toString().length() < 300, holder.toString());
            PortlockTimeoutException e = assertThrows(PortlockTimeoutException.class, waiter::acquire);
            assertEquals(key, e.key(), "the accessor keeps the whole key");
            assertTrue(e.getMessage().length() < 300, e.getMessage().length() + " chars");
            assertTrue(e.getMessage().startsWith("timed out after "), e.getMessage());
            assertTrue(e.getMessage().contains(waiter.lockPorts().toString()), e.getMessage());
            assertTrue(e.port().isEmpty(), "no single port is to blame for a timeout");
        }
    }
}
