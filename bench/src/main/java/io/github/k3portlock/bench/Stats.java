package io.github.k3portlock.bench;

import java.util.Arrays;

/** The few statistics the harness reports. Stateless. */
public final class Stats {
    private Stats() {
    }

    /**
     * Returns the {@code q}-quantile of {@code values} by the nearest-rank method: the smallest
     * value such that at least {@code q} of the values are at or below it.
     *
     * @param values the samples, not empty (not modified)
     * @param q the quantile, in (0, 1]
     * @return the quantile
     * @throws IllegalArgumentException if {@code values} is empty or {@code q} out of range
     */
    public static long quantile(long[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in (0, 1], got " + q);
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    /**
     * Returns Jain's fairness index of the shares: {@code (sum x)^2 / (n * sum x^2)}, 1 when all
     * are equal, {@code 1/n} when one takes everything.
     *
     * @param shares each participant's count, not empty
     * @return the index in {@code [1/n, 1]}, or 1 when every share is 0
     * @throws IllegalArgumentException if {@code shares} is empty or holds a negative count
     */
    public static double jain(long[] shares) {
        if (shares.length == 0) {
            throw new IllegalArgumentException("no shares");
        }
        double sum = 0;
        double squares = 0;
        for (long x : shares) {
            if (x < 0) {
                throw new IllegalArgumentException("negative share " + x);
            }
            sum += x;
            squares += (double) x * x;
        }
        return squares == 0 ? 1 : sum * sum / (shares.length * squares);
    }

    /**
     * Formats nanoseconds as microseconds ({@code 123 µs}) or, from 10 ms, milliseconds.
     *
     * @param nanos a duration
     * @return a short human-readable figure
     */
    public static String time(long nanos) {
        if (nanos >= 10_000_000L) {
            return String.format("%.1f ms", nanos / 1e6);
        }
        if (nanos >= 1_000_000L) {
            return String.format("%.2f ms", nanos / 1e6);
        }
        return String.format("%d µs", Math.round(nanos / 1e3));
    }
}
