package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The retry policy as a pure function: no clock, no scheduler, no sockets. */
class BackoffTest {
    private static final long MS = 1_000_000;
    private final Backoff backoff = new Backoff(1 * MS, 10 * MS);

    @Test
    void withoutJitterTheDelayDoublesFromFirstDelayUpToTheCap() {
        long[] expected = {1, 2, 4, 8, 10, 10, 10};
        for (int n = 1; n <= expected.length; n++) {
            assertEquals(expected[n - 1] * MS, backoff.delayNanos(n, 0.0), "after failure " + n);
        }
    }

    @Test
    void everyDelayStaysWithinItsBoundsForAnyJitter() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 10_000; i++) {
            int n = 1 + random.nextInt(70);
            double r = random.nextDouble();
            long d = backoff.delayNanos(n, r);
            long nominal = Math.min(10 * MS, n > 5 ? 10 * MS : MS << (n - 1));
            if (nominal < 10 * MS) {
                // Below the cap: shortened by at most a fifth, never below firstDelay.
                assertTrue(d <= nominal && d >= Math.max(MS, (long) (nominal * 0.8)),
                        d + " for n=" + n + " r=" + r);
            } else {
                // At the cap: lengthened by at most a fifth, never shorter than sleepTime.
                assertTrue(d >= 10 * MS && d <= 12 * MS, d + " for n=" + n + " r=" + r);
            }
        }
    }

    @Test
    void theNominalDelayNeverDecreasesAsFailuresGrowAndTheCapHolds() {
        long previous = 0;
        for (int n = 1; n <= 200; n++) {
            long d = backoff.delayNanos(n, 0.0);
            assertTrue(d >= previous, "monotonic at n=" + n);
            assertTrue(d <= 10 * MS, "capped at n=" + n);
            previous = d;
        }
        assertEquals(10 * MS, backoff.delayNanos(Integer.MAX_VALUE, 0.0));
    }

    @Test
    void atTheCapAKeyIsNeverTriedMoreThanOncePerSleepTime() {
        SplittableRandom random = new SplittableRandom(7);
        long attempts = 0;
        long elapsed = 0;
        for (int n = 5; n < 5 + 10_000; n++) {
            long d = backoff.delayNanos(n, random.nextDouble());
            assertTrue(d >= 10 * MS, "a delay at the cap shorter than sleepTime: " + d);
            elapsed += d;
            attempts++;
        }
        assertTrue(attempts <= elapsed / (10 * MS), attempts + " attempts in " + elapsed + " ns");
    }

    @Test
    void theFailureCountSaturatesAt64() {
        assertEquals(2, Backoff.failedAgain(1));
        assertEquals(64, Backoff.failedAgain(63));
        assertEquals(64, Backoff.failedAgain(64));
        int n = 1;
        for (int i = 0; i < 1_000; i++) {
            n = Backoff.failedAgain(n);
        }
        assertEquals(Backoff.MAX_FAILURES, n);
        assertEquals(12 * MS, backoff.delayNanos(n, 1.0), "the capped exponent does not overflow");
    }

    @Test
    void jitterOutsideTheUnitIntervalIsClamped() {
        assertEquals(8 * MS, backoff.delayNanos(4, -5.0));
        assertEquals(6_400_000.0, backoff.delayNanos(4, 5.0), 1.0);
        assertEquals(12 * MS, backoff.delayNanos(9, 5.0));
    }

    @Test
    void aCenturyAtTheCapPlusJitterDoesNotOverflow() {
        long century = Duration.ofDays(36_500).toNanos();
        Backoff huge = new Backoff(century, century);
        assertTrue(huge.delayNanos(1, 0.999_999) > century);
        assertTrue(huge.delayNanos(64, 0.999_999) > century);
    }

    @Test
    void theLastAttemptOfATimedWaitIsAtItsDeadline() {
        long now = Long.MAX_VALUE - 5 * MS; // near overflow, as nanoTime may be
        long deadline = now + 3 * MS;
        long nextPoll = now + backoff.delayNanos(4, 0.0); // 8 ms: past the deadline
        assertEquals(deadline, Backoff.nextAttemptAt(nextPoll, deadline), "wraps past MAX_VALUE");
        assertEquals(now + MS, Backoff.nextAttemptAt(now + MS, deadline), "poll before deadline");
        assertEquals(deadline, Backoff.nextAttemptAt(deadline, deadline));
    }

    @Test
    void firstDelayMustBePositiveAndAtMostTheCap() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(11, 10));
    }
}
