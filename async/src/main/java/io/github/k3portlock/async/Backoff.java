package io.github.k3portlock.async;

/**
 * The retry policy of a polling key, as pure functions of the failure count and a jitter value:
 * no clock, no randomness, no sockets. Immutable and thread-safe.
 *
 * <p>The delay after the {@code n}-th failed attempt is {@code firstDelay} doubled {@code n - 1}
 * times. Below {@code sleepTime} it is shortened by up to {@link #JITTER} of itself (never below
 * {@code firstDelay}); at the cap it is {@code sleepTime} lengthened by up to {@link #JITTER}, so
 * that a backed-off key is never tried more than once per {@code sleepTime}. A century plus 20%
 * still fits a {@code long} of nanoseconds.
 *
 * @param firstDelayNanos the first delay, positive
 * @param sleepNanos the cap, at least {@code firstDelayNanos}
 */
record Backoff(long firstDelayNanos, long sleepNanos) {
    /**
     * Each delay below the cap is shortened, and each delay at the cap lengthened, by up to this
     * fraction of it.
     */
    static final double JITTER = 0.2;
    /** The failure count saturates here: the exponent can never overflow. */
    static final int MAX_FAILURES = 64;

    Backoff {
        if (firstDelayNanos <= 0 || sleepNanos < firstDelayNanos) {
            throw new IllegalArgumentException("need 0 < firstDelay <= sleepTime, got "
                    + firstDelayNanos + " and " + sleepNanos);
        }
    }

    /** The failure count after one more failed attempt: {@code failures + 1}, at most 64. */
    static int failedAgain(int failures) {
        return Math.min(failures + 1, MAX_FAILURES);
    }

    /**
     * The delay after the {@code failures}-th failed attempt of a polling session.
     *
     * @param failures failed attempts so far, at least 1 (larger values are capped)
     * @param jitter a value in {@code [0, 1)}; values outside are clamped to {@code [0, 1]}
     * @return the delay in nanoseconds, in {@code [firstDelay, 1.2 sleepTime]}
     */
    long delayNanos(int failures, double jitter) {
        int k = Math.max(failures, 1) - 1;
        double r = Math.min(Math.max(jitter, 0.0), 1.0);
        if (k >= 62 || firstDelayNanos > (sleepNanos >> k) || firstDelayNanos << k >= sleepNanos) {
            return sleepNanos + (long) (sleepNanos * JITTER * r);
        }
        long d = firstDelayNanos << k;
        long jittered = d - (long) (d * JITTER * r);
        return Math.max(firstDelayNanos, Math.min(d, jittered));
    }

    /**
     * When the next attempt is due: the next poll, or the deadline if that comes first, so that
     * the last attempt of a timed wait is made at its deadline itself and a backoff never
     * stretches a timeout. Compares overflow-safely, as {@link System#nanoTime()} values must be.
     *
     * @param nextPollAt when the backoff allows the next poll
     * @param deadline the earliest deadline of a live waiter
     * @return the earlier of the two
     */
    static long nextAttemptAt(long nextPollAt, long deadline) {
        return deadline - nextPollAt < 0 ? deadline : nextPollAt;
    }
}
