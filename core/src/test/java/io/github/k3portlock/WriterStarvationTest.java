package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream of overlapping readers in several processes does not keep a waiting writer out: the
 * bound of {@link LockMode} (the holds begun before the writer's gate, one each, plus a
 * {@code sleepTime}).
 */
class WriterStarvationTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Readers' holds. */
    private static final long HOLD_MS = 5;
    /**
     * The documented bound here is about {@code HOLD_MS + sleepTime} (15 ms); allowed: 200 times
     * that, for a 2-core box under load (where a reader's 5 ms can stretch). Without the gate the
     * writer waits for a gap in the readers' overlap, which 4 readers looping 5 ms holds
     * practically never leave (with the gate disabled, this test times out).
     */
    private static final Duration ALLOWED = Duration.ofSeconds(3);

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killChildren() {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    void aWriterGetsInWithinTheBoundBetweenFourLoopingReaders(@TempDir Path dir)
            throws IOException {
        String key = freshKey();
        List<Process> readers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Process p = ChildJvm.start(ModeChild.class, "sections", "shared", key, "0", "-1",
                    Long.toString(HOLD_MS), dir.toString());
            children.add(p);
            readers.add(p);
        }
        for (Process p : readers) {
            ChildJvm.awaitLine(p, "READY", PATIENCE);
        }
        readers.forEach(p -> ChildJvm.send(p, "go"));
        for (Process p : readers) {
            ChildJvm.awaitLine(p, "LOOPING", PATIENCE);
        }
        long sectionsBefore = ModeChild.counter(dir)[2];
        PortFixtures.await("the readers ran 200 more sections", PATIENCE,
                () -> counterOrZero(dir)[2] >= sectionsBefore + 200);
        assertTrue(ModeChild.counter(dir)[1] >= 2, "the readers overlap");
        try (Portlock writer = Portlock.builder(key).timeout(PATIENCE).build()) {
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                writer.acquire();
                Duration waited = Duration.ofNanos(System.nanoTime() - t0);
                assertEquals(0, ModeChild.counter(dir)[0], "no reader inside beside the writer");
                writer.release();
                assertTrue(waited.compareTo(ALLOWED) < 0, "round " + round + ": the writer waited "
                        + waited.toMillis() + " ms");
                long after = counterOrZero(dir)[2];
                PortFixtures.await("the readers go on", PATIENCE,
                        () -> counterOrZero(dir)[2] >= after + 20);
            }
        }
        Files.createFile(dir.resolve("stop"));
        for (Process p : readers) {
            assertTrue(ChildJvm.awaitLine(p, "DONE ", PATIENCE).startsWith("DONE "));
            assertEquals(0, ChildJvm.awaitExit(p, PATIENCE));
        }
    }

    private static long[] counterOrZero(Path dir) {
        try {
            return ModeChild.counter(dir);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
