package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * The one address form, RFC 5952, bracketed before a port, so that a message, a status line and
 * a log line show one IPv6 address the same way.
 */
class AddressesTest {
    private static String host(String literal) throws Exception {
        return Addresses.host(InetAddress.getByName(literal));
    }

    @Test
    void rfc5952() throws Exception {
        assertEquals("127.0.0.1", host("127.0.0.1"));
        assertEquals("::1", host("::1"));
        assertEquals("::", host("::"));
        assertEquals("fe80::1:0:0:2", host("fe80:0:0:0:1:0:0:2")); // the first longest run
        assertEquals("fd00::2", host("fd00::2"));
        assertEquals("1:0:2:0:3:0:4:0", host("1:0:2:0:3:0:4:0")); // one zero group stays
        assertEquals("1:2::", host("1:2::"));
        assertEquals("2001:db8::1", host("2001:DB8:0:0:0:0:0:1")); // lower case
        assertEquals("2001:db8:0:1:1:1:1:1", host("2001:db8:0:1:1:1:1:1"));
    }

    @Test
    void bracketsWhereAPortFollows() throws Exception {
        assertEquals("[::1]:44655-44657",
                Addresses.withPort(InetAddress.getByName("::1"), "44655-44657"));
        assertEquals("127.0.0.1:44655",
                Addresses.withPort(InetAddress.getByName("127.0.0.1"), "44655"));
    }
}
