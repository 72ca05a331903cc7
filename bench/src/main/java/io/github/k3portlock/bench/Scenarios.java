package io.github.k3portlock.bench;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The measured loops, run the same way by threads of one JVM and by child processes. Every
 * participant maps the same {@link Shared} region; {@link System#nanoTime()} is
 * {@code CLOCK_MONOTONIC} on Linux, one clock for every process of the machine, so a release
 * time written by one process can be subtracted from an acquire time read in another.
 */
public final class Scenarios {
    /** Slot: {@code nanoTime()} just before the holder's release call. */
    static final int RELEASE_AT = 0;
    /** Slot: {@code r + 1} once the waiter of round {@code r} is about to wait. */
    static final int WAITING = 1;
    /** Slot: {@code r + 2} once the waiter of round {@code r} holds the lock (1: initial hold). */
    static final int ACQUIRED = 2;
    /** Slot: the current owner's id + 1 inside a contended section, else 0. */
    static final int OWNER = 3;

    /** The shortest time a handoff holder waits after the waiter announced itself. */
    static final long MIN_DELAY_NANOS = 1_000_000L;
    /** The spread of that wait: one 10 ms polling period, so a poller's phase is uniform. */
    static final long DELAY_SPREAD_NANOS = 10_000_000L;

    private static final Duration PATIENCE = Mutex.PATIENCE;

    private Scenarios() {
    }

    /**
     * One of two participants passing the lock back and forth. In round {@code r} participant
     * {@code r % 2} holds the lock; it waits until the other announces that it is about to wait,
     * lets a random 1-11 ms pass (the waiter is then inside its wait, at a random phase of its
     * polling period), notes the time and releases. The waiter notes the time its lock call
     * returns; the difference is the handoff latency. Nobody calls lock again before the waiter of
     * the round holds the lock, so a releasing poller cannot barge back in.
     *
     * @param m this participant's lock
     * @param s the region shared by both participants
     * @param me 0 or 1; 0 starts holding the lock
     * @param warmup rounds run first and not recorded
     * @param rounds rounds recorded (half of them by each participant)
     * @param seed for the holder's random delays
     * @return this participant's latencies in nanoseconds
     * @throws Exception if the lock fails or a participant stops answering
     */
    public static long[] handoff(Mutex m, Shared s, int me, int warmup, int rounds, long seed)
            throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        int total = warmup + rounds;
        long[] samples = new long[(rounds + 1) / 2 + 1];
        int n = 0;
        if (me == 0) {
            m.lock();
            s.set(ACQUIRED, 1);
        }
        for (int r = 0; r < total; r++) {
            final int round = r;
            if (r % 2 == me) {
                s.await(WAITING, v -> v == round + 1, PATIENCE, "the waiter of round " + r);
                LockSupport.parkNanos(MIN_DELAY_NANOS + random.nextLong(DELAY_SPREAD_NANOS));
                s.set(RELEASE_AT, System.nanoTime());
                m.unlock();
                // Coarse checks: the measured waiter is running now, leave it the CPU.
                s.await(ACQUIRED, v -> v == round + 2, PATIENCE, "the handoff of round " + r,
                        1_000_000L);
            } else {
                s.await(ACQUIRED, v -> v == round + 1, PATIENCE, "the holder of round " + r);
                s.set(WAITING, r + 1);
                m.lock();
                long acquired = System.nanoTime();
                long latency = acquired - s.get(RELEASE_AT);
                if (r >= warmup) {
                    samples[n++] = latency;
                }
                s.set(ACQUIRED, r + 2);
            }
        }
        if (total % 2 == me) {
            m.unlock(); // the waiter of the last round still holds it
        }
        return java.util.Arrays.copyOf(samples, n);
    }

    /**
     * One of K contenders: from {@code startNanos} to {@code startNanos + durationNanos}, take the
     * lock, hold it {@code holdNanos} (busy, as work would), release, and count the sections that
     * finished in time. Inside each section the shared owner slot checks mutual exclusion.
     *
     * @param m this contender's lock
     * @param s the region shared by all contenders
     * @param id this contender's id, from 0
     * @param startNanos when to start, in {@code nanoTime()} (the same instant for all)
     * @param durationNanos how long to run
     * @param holdNanos how long to hold the lock each time
     * @return {@code {sections, violations}}; violations must be 0
     * @throws Exception if the lock fails
     */
    public static long[] contend(Mutex m, Shared s, int id, long startNanos, long durationNanos,
            long holdNanos) throws Exception {
        long wait;
        while ((wait = startNanos - System.nanoTime()) > 0) {
            if (wait > 200_000) {
                LockSupport.parkNanos(wait - 100_000);
            } else {
                Thread.onSpinWait();
            }
        }
        long end = startNanos + durationNanos;
        long sections = 0;
        long violations = 0;
        while (true) {
            m.lock();
            boolean alone = s.compareAndSet(OWNER, 0, id + 1);
            if (!alone) {
                violations++;
            }
            if (holdNanos > 0) {
                long t = System.nanoTime();
                while (System.nanoTime() - t < holdNanos) {
                    Thread.onSpinWait();
                }
            }
            if (alone) {
                s.set(OWNER, 0);
            }
            m.unlock();
            if (System.nanoTime() - end > 0) {
                break; // finished after the deadline: not counted
            }
            sections++;
        }
        return new long[] {sections, violations};
    }
}
