package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void abbreviateKeepsBothEnds() {
        assertEquals("short", Report.abbreviate("short", 10));
        assertEquals("java -cp ... Main arg",
                Report.abbreviate("java -cp /a/b/c/d/e/f Main arg", 21));
        assertEquals(21, Report.abbreviate("java -cp /a/b/c/d/e/f Main arg", 21).length());
    }
}
