package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * An async writer is not starved by readers whose shared holds overlap without a gap: four reader
 * threads, each with its own shared {@link Portlock} (its own sockets, as a process would have),
 * loop 5 ms holds, and an exclusive {@link AsyncPortlock} acquisition gets in within the bound of
 * {@link LockMode}, because a waiting async writer holds the writer gate as a blocking one does.
 */
class AsyncWriterStarvationTest {
    /** The bound is about a hold plus a sleep time; allowed: 200 times that, for a loaded box. */
    private static final Duration ALLOWED = Duration.ofSeconds(3);

    @Test
    void anAsyncWriterGetsInBetweenFourLoopingReaders() throws Exception {
        String key = "starve-" + UUID.randomUUID();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        AtomicLong sections = new AtomicLong();
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try (Portlock reader = Portlock.builder(key).mode(LockMode.SHARED)
                        .timeout(Duration.ofSeconds(60)).build()) {
                    while (!stop.get()) {
                        reader.acquire();
                        mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                        TimeUnit.MILLISECONDS.sleep(5); // the section: readers overlap
                        inside.decrementAndGet();
                        reader.release();
                        sections.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "reader-" + i);
            t.start();
            readers.add(t);
        }
        try {
            Await.until("the readers ran 200 sections", () -> sections.get() >= 200);
            assertTrue(mostInside.get() >= 2, "the readers overlap");
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                LockHandle w = AsyncPortlock.create().acquire(key, Duration.ofSeconds(60))
                        .get(60, TimeUnit.SECONDS);
                Duration waited = Duration.ofNanos(System.nanoTime() - t0);
                assertEquals(0, inside.get(), "no reader inside beside the writer");
                w.release();
                assertTrue(waited.compareTo(ALLOWED) < 0, "round " + round + ": the writer waited "
                        + waited.toMillis() + " ms");
                long after = sections.get();
                Await.until("the readers go on", () -> sections.get() >= after + 20);
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
        }
    }
}
