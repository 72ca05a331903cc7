package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void abbreviateKeepsBothEnds() {
        assertEquals("short", Report.abbreviate("short", 10));
        assertEquals("java -cp ... Main arg",
                Report.abbreviate("java -cp /a/b/c/d/e/f Main arg", 21));
        assertEquals(21, Report.abbreviate("java -cp /a/b/c/d/e/f Main arg", 21).length());
    }

    @Test
    void hostsAsPeopleWriteThem() throws Exception {
        assertEquals("127.0.0.1", Report.host(InetAddress.getByName("127.0.0.1")));
        assertEquals("::1", Report.host(InetAddress.getByName("::1")));
        assertEquals("::", Report.host(InetAddress.getByName("::")));
        assertEquals("fe80::1:0:0:2", Report.host(InetAddress.getByName("fe80:0:0:0:1:0:0:2")));
        assertEquals("fd00::2", Report.host(InetAddress.getByName("fd00::2")));
        assertEquals("1:0:2:0:3:0:4:0", Report.host(InetAddress.getByName("1:0:2:0:3:0:4:0")));
        assertEquals("1:2::", Report.host(InetAddress.getByName("1:2::")));
    }
}
