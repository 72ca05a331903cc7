package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void quantileIsNearestRank() {
        long[] v = {50, 10, 40, 20, 30};
        assertEquals(30, Stats.quantile(v, 0.5));
        assertEquals(10, Stats.quantile(v, 0.2));
        assertEquals(20, Stats.quantile(v, 0.21));
        assertEquals(50, Stats.quantile(v, 0.99));
        assertEquals(50, Stats.quantile(v, 1.0));
        assertEquals(50, v[0], "the samples are not reordered");
    }

    @Test
    void quantileRejectsNoSamplesAndBadQ() {
        assertThrows(IllegalArgumentException.class, () -> Stats.quantile(new long[0], 0.5));
        assertThrows(IllegalArgumentException.class, () -> Stats.quantile(new long[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> Stats.quantile(new long[] {1}, 1.5));
    }

    @Test
    void jainIsOneForEqualSharesAndOneOverNForAMonopoly() {
        assertEquals(1.0, Stats.jain(new long[] {7, 7, 7, 7}), 1e-12);
        assertEquals(0.25, Stats.jain(new long[] {0, 0, 100, 0}), 1e-12);
        // (1+3)^2 / (2 * (1+9)) = 16/20
        assertEquals(0.8, Stats.jain(new long[] {1, 3}), 1e-12);
        assertEquals(1.0, Stats.jain(new long[] {0, 0}), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Stats.jain(new long[] {1, -1}));
    }

    @Test
    void timeSwitchesToMillisecondsFromOne() {
        assertEquals("150 µs", Stats.time(150_400));
        assertEquals("4.80 ms", Stats.time(4_800_000));
        assertEquals("12.3 ms", Stats.time(12_300_000));
    }
}
