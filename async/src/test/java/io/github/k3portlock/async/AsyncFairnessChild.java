package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A child JVM of {@link AsyncFairnessTest}: {@code KEY DURATION_MS HOLD_MICROS}. Takes the lock
 * once to warm up, prints {@code READY}, waits for a line on stdin (the start barrier), then loops
 * acquire / busy-hold / release through one {@link AsyncPortlock} until the duration is over and
 * prints {@code SECTIONS <n>}: the sections that ended in time.
 */
public final class AsyncFairnessChild {
    private AsyncFairnessChild() {
    }

    public static void main(String[] args) throws Exception {
        String key = args[0];
        long durationNanos = Long.parseLong(args[1]) * 1_000_000L;
        long holdNanos = Long.parseLong(args[2]) * 1_000L;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
                StandardCharsets.UTF_8));
        AsyncPortlock locks = AsyncPortlock.create();
        Duration patience = Duration.ofSeconds(60);
        locks.acquire(key, patience).join().release(); // warm-up: class loading, first socket
        System.out.println("READY");
        System.out.flush();
        in.readLine();
        long end = System.nanoTime() + durationNanos;
        long sections = 0;
        while (true) {
            LockHandle h = locks.acquire(key, patience).join();
            long t = System.nanoTime();
            while (System.nanoTime() - t < holdNanos) {
                Thread.onSpinWait(); // busy, as work would be
            }
            h.release();
            if (System.nanoTime() - end > 0) {
                break;
            }
            sections++;
        }
        System.out.println("SECTIONS " + sections);
        System.out.flush();
    }
}
