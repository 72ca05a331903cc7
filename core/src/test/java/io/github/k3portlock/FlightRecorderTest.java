package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock's flight-recorder events are emitted, with the key and the held time. */
class FlightRecorderTest {

    @Test
    void aReleaseRecordsAHoldEventWithTheKeyAndTheHeldTime(@TempDir Path dir) throws Exception {
        String key = "test-" + UUID.randomUUID();
        Path file = dir.resolve("rec.jfr");
        try (Recording r = new Recording()) {
            r.enable("io.github.k3portlock.Hold").withoutThreshold();
            r.start();
            Portlock lock = new Portlock(key);
            long before = System.nanoTime();
            assertTrue(lock.tryLock());
            lock.release();
            long outer = System.nanoTime() - before;
            r.stop();
            r.dump(file);
            List<RecordedEvent> holds = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("io.github.k3portlock.Hold"))
                    .filter(e -> key.equals(e.getString("key")))
                    .toList();
            assertEquals(1, holds.size(), "one Hold event for the key");
            long held = holds.get(0).getDuration("held").toNanos();
            assertTrue(held >= 0 && held <= outer, "held " + held + " ns within " + outer + " ns");
        }
    }
}
