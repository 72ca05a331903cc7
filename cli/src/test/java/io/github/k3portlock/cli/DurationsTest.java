package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void unitsFractionsSumsSecondsAndIso() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("10s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofDays(1), Durations.parse("1d"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5s"));
        assertEquals(Duration.ofMinutes(90), Durations.parse("1h30m"));
        assertEquals(Duration.ofMillis(61_250), Durations.parse("1m1s250ms"));
        assertEquals(Duration.ofMillis(2500), Durations.parse("2.5"), "bare seconds, as flock -w");
        assertEquals(Duration.ZERO, Durations.parse("0"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("PT5S"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("pt5s"));
        assertEquals(Duration.ofMillis(100), Durations.parse(" 100MS "));
    }

    @Test
    void badDurationsNameTheArgumentAndTheForms() {
        for (String bad : new String[] {"", "soon", "5 s", "1x", "s", "1.s", "5sm", "-", "-5x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Durations.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "' is not a duration (e.g. 10s"),
                    e.getMessage());
        }
        for (String negative : new String[] {"-PT5S", "-5s", "-5", "-1.5", "-1h30m", " -5S"}) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse(negative))
                    .getMessage().contains("duration '" + negative + "' must not be negative"),
                    negative);
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse("300y"))
                .getMessage().contains("not a duration"));
        for (String huge : new String[] {"107000d", "36526d", "PT9999999999H", "pt876601h",
            "3155760000.001", "9999999999999999999999h"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Durations.parse(huge), huge);
            assertTrue(e.getMessage().contains("duration '" + huge
                    + "' is too long (at most 100 years"),
                    e.getMessage());
        }
        assertEquals(Duration.ofDays(36_525), Durations.parse("36525d"), "100 years is accepted");
        assertEquals(Duration.ofDays(36_525), Durations.parse("PT876600H"));
    }
}
