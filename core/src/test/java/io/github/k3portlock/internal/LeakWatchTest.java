package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.TestPortlocks;
import io.github.k3portlock.PortFixtures;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Unreleased handles are reported once the garbage collector finds them unreachable, with a real
 * GC: each test drops a handle and runs {@code System.gc()} until the report arrives or a deadline
 * passes. Released handles are never reported.
 */
class LeakWatchTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    /** Message and acquisition stack (empty without the debug switch), by key. */
    private final Map<String, Optional<Throwable>> reports = new ConcurrentHashMap<>();
    private final Map<String, String> messages = new ConcurrentHashMap<>();

    @BeforeEach
    void listen() {
        LeakWatch.hook = (message, acquiredAt) -> {
            String key = message.substring(message.indexOf('\'') + 1, message.indexOf('\'', 6));
            messages.put(key, message);
            reports.put(key, Optional.ofNullable(acquiredAt));
        };
    }

    @AfterEach
    void reset() {
        LeakWatch.hook = null;
        LeakWatch.debug = Boolean.getBoolean(LeakWatch.DEBUG_PROPERTY);
    }

    private void awaitReport(String key) {
        PortFixtures.await("a report of the unreleased handle of " + key, PATIENCE, () -> {
            System.gc();
            return reports.containsKey(key);
        });
    }

    /** Watches a fresh object and lets go of it (and of the token) on return. */
    private static void watchAndDrop(String key, boolean release) {
        LeakWatch w = LeakWatch.watch(new Object(), key, "127.0.0.1:40000-40002 (quorum 2)");
        if (release) {
            w.released();
            w.released(); // idempotent
        }
    }

    @Test
    void anUnreleasedHandleIsReportedWithKeyAndPortsAndAReleasedOneNever() {
        LeakWatch.debug = false;
        String released = "released-" + PortFixtures.freshKey();
        String leaked = "leaked-" + PortFixtures.freshKey();
        watchAndDrop(released, true);
        watchAndDrop(leaked, false);
        awaitReport(leaked);
        String m = messages.get(leaked);
        assertTrue(m.contains("'" + leaked + "'") && m.contains("127.0.0.1:40000-40002"), m);
        assertTrue(m.contains("never released") && m.contains("-Dk3portlock.debug.leaks=true"), m);
        assertEquals(Optional.empty(), reports.get(leaked), "no stack without the debug switch");
        // The released one was dropped first; its Cleanable was cleaned at release, not queued.
        assertFalse(reports.containsKey(released), "a released handle is never reported");
    }

    @Test
    void theDebugSwitchAddsWhereTheHandleWasAcquired() {
        LeakWatch.debug = true;
        String leaked = "debug-" + PortFixtures.freshKey();
        watchAndDrop(leaked, false);
        awaitReport(leaked);
        Throwable at = reports.get(leaked).orElse(null);
        assertNotNull(at, "the debug switch records the acquisition stack");
        assertTrue(Arrays.stream(at.getStackTrace())
                .anyMatch(f -> f.getMethodName().equals("watchAndDrop")), Arrays.toString(at.getStackTrace()));
        assertTrue(messages.get(leaked).endsWith("Acquired at:"), messages.get(leaked));
    }

    /**
     * A Portlock dropped while holding its lock: its handle is reported, and the ports stay
     * bound (the report does not release them). The test closes the channels itself afterwards.
     */
    @Test
    void aPortlockDroppedWhileHoldingIsReportedAndKeepsItsPorts() throws IOException {
        // The ports alone: the test closes what the leaked handle holds, and only the channels
        // are within its reach (a leaked Linux name would stay held until the JVM exits).
        LockPorts p = io.github.k3portlock.PortScheme.builder()
                .interop(io.github.k3portlock.PortScheme.Interop.TCP_ONLY).build()
                .lockPorts(PortFixtures.freePorts().key());
        List<ServerSocketChannel> channels = new CopyOnWriteArrayList<>();
        PortBinder recording = address -> {
            ServerSocketChannel ch = PortBinder.DEFAULT.open(address);
            channels.add(ch);
            return ch;
        };
        long fds = PortFixtures.openFds();
        try {
            lockAndDrop(p, recording);
            awaitReport(p.key());
            assertTrue(messages.get(p.key()).contains(p.toString()), messages.get(p.key()));
            assertNull(reports.get(p.key()).orElse(null));
            assertFalse(PortFixtures.allPortsFree(p), "a leaked lock is reported, not released");
            assertTrue(channels.stream().allMatch(ServerSocketChannel::isOpen));
        } finally {
            for (ServerSocketChannel ch : channels) {
                ch.close();
            }
        }
        assertTrue(PortFixtures.allPortsFree(p));
        assertEquals(fds, PortFixtures.openFds());
    }

    private static void lockAndDrop(LockPorts p, PortBinder binder) {
        Portlock lock = TestPortlocks.withBinder(p, binder);
        assertTrue(lock.tryLock());
    }
}
