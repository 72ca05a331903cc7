package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChecksTest {

    @Test
    void foreverIsACenturyAndCapsNanoseconds() {
        assertEquals(Duration.ofDays(36_525), Checks.FOREVER);
        assertEquals(Checks.FOREVER_NANOS, Checks.nanos(Duration.ofSeconds(Long.MAX_VALUE)));
        assertEquals(Checks.FOREVER_NANOS, Checks.nanos(Checks.FOREVER));
        assertEquals(5_000_000L, Checks.nanos(Duration.ofMillis(5)));
        assertTrue(Checks.FOREVER_NANOS < Long.MAX_VALUE / 2, "room for nanoTime arithmetic");
    }

    @Test
    void keysAreQuotedAndCutWithoutSplittingASurrogatePair() {
        assertEquals("'k'", Checks.quote("k"));
        String a64 = "a".repeat(64);
        assertEquals("'" + a64 + "'", Checks.quote(a64));
        assertEquals("'" + a64 + "…(65 chars)'", Checks.quote(a64 + "b"));
        String emoji = "a".repeat(63) + "\uD83D\uDE00" + "zz"; // the pair straddles the cut
        assertEquals("'" + "a".repeat(63) + "…(67 chars)'", Checks.quote(emoji));
    }

    @Test
    void checksNameTheParameterAndTheLock() {
        assertEquals("lock key is null",
                assertThrows(NullPointerException.class, () -> Checks.key(null)).getMessage());
        assertEquals("lock key must not be empty",
                assertThrows(IllegalArgumentException.class, () -> Checks.key("")).getMessage());
        assertEquals("firstDelay must be positive, got PT0S for lock 'k'",
                assertThrows(IllegalArgumentException.class,
                        () -> Checks.positive("k", "firstDelay", Duration.ZERO)).getMessage());
        assertEquals(Duration.ZERO, Checks.timeout("k", Duration.ZERO));
    }
}
