package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PortSchemeTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"mylock,44655", "mylock2,57642", "mylock3,51474", "testlock,45766", "k1,53029",
        "x,57490", "日本語,59114"})
    void defaultSchemeMatchesThePythonOriginal(String key, int base) {
        LockPorts p = PortScheme.DEFAULT.lockPorts(key);
        assertEquals(base, p.basePort());
        assertEquals(List.of(base, base + 1, base + 2), p.numbers());
        assertEquals("127.0.0.1", p.address().getHostAddress());
        assertEquals(2, p.quorum());
        assertEquals(key, p.key());
        assertEquals(base + 1, p.socketAddresses().get(1).getPort());
    }

    @Test
    void constructorUsesTheSameMapping() {
        try (Portlock lock = new Portlock("mylock")) {
            assertEquals(PortScheme.DEFAULT.lockPorts("mylock"), lock.lockPorts());
        }
    }

    @Test
    void rangeCountAndHostAreOptions() throws Exception {
        PortScheme s = PortScheme.builder().host("::1").range(20000, 100).portCount(5).build();
        LockPorts p = s.lockPorts("mylock");
        // 44655 - 40000 = 4655 = sha1 mod 20000; mod 100 of the same digest is its last two digits
        assertEquals(20055, p.basePort());
        assertEquals(5, p.numbers().size());
        assertEquals(3, p.quorum());
        assertEquals(InetAddress.getByName("::1"), p.address());
        assertEquals(1, PortScheme.builder().portCount(1).build().lockPorts("k").quorum());
    }

    @Test
    void wideLoopbackSpreadsAddressesOver127Slash8() {
        PortScheme wide = PortScheme.builder().wideLoopback(true).build();
        Set<InetAddress> addresses = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            LockPorts p = wide.lockPorts("key-" + i);
            byte[] a = p.address().getAddress();
            assertEquals(127, a[0]);
            assertTrue(p.basePort() >= 40000 && p.basePort() < 60000);
            addresses.add(p.address());
        }
        assertTrue(addresses.size() > 990,
                "addresses should almost never repeat: " + addresses.size());
        // Same key, same address: deterministic across calls (and processes).
        assertEquals(wide.lockPorts("mylock"), wide.lockPorts("mylock"));
        // The port part stays the original's.
        assertEquals(44655, wide.lockPorts("mylock").basePort());
        assertNotEquals(PortScheme.DEFAULT.lockPorts("mylock").address(),
                wide.lockPorts("mylock").address());
    }

    @Test
    void badOptionsFailAtOnceWithTheValue() {
        IllegalArgumentException even = assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().portCount(2));
        assertTrue(even.getMessage().contains("2"), even.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PortScheme.builder().portCount(0));
        assertThrows(IllegalArgumentException.class, () -> PortScheme.builder().range(0, 10));
        assertThrows(IllegalArgumentException.class, () -> PortScheme.builder().range(65000, 1000));
        // One exception type for every bad range, whether the setter or build() finds it.
        IllegalArgumentException over = assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().range(65530, 5).portCount(3).build());
        assertTrue(over.getMessage().contains("65530"), over.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PortScheme.builder().host("localhost"));
        assertThrows(NullPointerException.class,
                () -> PortScheme.builder().host((InetAddress) null));
        assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().host("127.0.0.1").wideLoopback(true).build());
    }

    @Test
    void hostsAreNamedWithoutTheStraySlashOfInetAddressToString() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().host("::1").wideLoopback(true).build());
        assertFalse(e.getMessage().contains("/"), e.getMessage());
        assertTrue(e.getMessage().contains("::1") || e.getMessage().contains("0:0:0:0:0:0:0:1"),
                e.getMessage());
    }

    /** A wildcard would open the lock's ports on every interface: never, not even by opt-in. */
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "0:0:0:0:0:0:0:0"})
    void wildcardHostsAreRejectedAtOnce(String wildcard) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().host(wildcard));
        assertTrue(e.getMessage().contains("wildcard")
                && e.getMessage().contains("every interface"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PortScheme.builder()
                .allowNonLoopback()
                .host(InetAddress.getByName(wildcard)));
    }

    /** A non-loopback address is reachable from the network: only through the documented opt-in. */
    @Test
    void aNonLoopbackHostNeedsTheExplicitOptIn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().host("192.0.2.1").build());
        assertTrue(e.getMessage().contains("192.0.2.1")
                && e.getMessage().contains("allowNonLoopback"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> PortScheme.builder().host("224.0.0.1").allowNonLoopback().build(),
                "multicast");
        PortScheme s = PortScheme.builder().host("192.0.2.1").allowNonLoopback().build();
        assertEquals("192.0.2.1", s.host().getHostAddress());
        assertEquals(PortScheme.DEFAULT, PortScheme.builder().allowNonLoopback().build(),
                "the opt-in changes nothing for a loopback host");
    }

    @Test
    void nullAndEmptyKeysAreRejected() {
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> PortScheme.DEFAULT.lockPorts(null));
        assertTrue(npe.getMessage().contains("key"));
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> PortScheme.DEFAULT.lockPorts(""));
        assertTrue(iae.getMessage().contains("empty"));
    }
}
