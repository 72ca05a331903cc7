package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.internal.LockErrors;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 4: an IPv6 lock address appears in one form everywhere, RFC 5952 and in
 * brackets where a port follows ({@code [::1]:44655-44657}), never {@code 0:0:0:0:0:0:0:1:44655}.
 */
class Ipv6MessagesTest {
    private static final PortScheme V6 = PortScheme.builder().host("::1").build();

    @Test
    void lockPortsText() {
        LockPorts p = V6.lockPorts("mylock");
        assertEquals("[::1]:44655-44657 (quorum 2)", p.toString());
        assertEquals("::1", p.addressText());
        assertEquals("127.0.0.1:44655-44657 (quorum 2)",
                PortScheme.DEFAULT.lockPorts("mylock").toString());
        assertEquals("[::1]:44655 (quorum 1)",
                PortScheme.builder().host("::1").portCount(1).build().lockPorts("mylock")
                        .toString());
        assertTrue(V6.toString().contains("host=::1,"), V6.toString());
    }

    @Test
    void exceptionTexts() throws Exception {
        LockPorts p = V6.lockPorts("mylock");
        PortlockException e = LockErrors.bindFailed(p,
                new InetSocketAddress(InetAddress.getByName("::1"), 44656), "why", null);
        assertEquals("cannot bind [::1]:44656 for lock 'mylock' ([::1]:44655-44657 (quorum 2)):"
                + " why", e.getMessage());
        String fd = io.github.k3portlock.internal.Descriptors.outOfDescriptors(p, 44656,
                new java.io.IOException("Too many open files"), "probe").getMessage();
        assertTrue(fd.startsWith("cannot probe [::1]:44656 for lock 'mylock' ([::1]:44655-44657"),
                fd);
    }

    @Test
    void aTimeoutOnIpv6NamesThePortsInBrackets() {
        String key = PortFixtures.freshKey();
        try (Portlock holder = Portlock.builder(key).scheme(V6).build();
                Portlock waiter = Portlock.builder(key).scheme(V6)
                        .timeout(Duration.ofMillis(50)).build()) {
            org.junit.jupiter.api.Assumptions.assumeTrue(holder.tryLock(),
                    "this key's ports on ::1 are taken (or no IPv6 loopback)");
            try {
                assertFalse(waiter.tryLock());
                PortlockTimeoutException t = assertThrows(PortlockTimeoutException.class,
                        waiter::acquire);
                String ports = holder.lockPorts().toString();
                assertTrue(ports.startsWith("[::1]:"), ports);
                assertTrue(t.getMessage().contains("(" + ports + ")"), t.getMessage());
                assertFalse(t.getMessage().contains("0:0:0:0:0:0:0:1"), t.getMessage());
            } finally {
                holder.release();
            }
        }
    }
}
