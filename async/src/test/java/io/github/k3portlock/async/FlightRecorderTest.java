package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;

/**
 * Async waits and holds show in the flight recorder with their key and outcome. Events are read
 * from a live stream and awaited: a wait's event is committed by the future's own completion
 * stage, which may run just after a caller blocked in {@code get()} has woken.
 */
class FlightRecorderTest {

    @Test
    void waitsAndHoldsAreRecordedWithTheirOutcome() throws Exception {
        String key = "test-" + UUID.randomUUID();
        AsyncPortlock locks = AsyncPortlock.builder().build();
        List<String> waits = new CopyOnWriteArrayList<>();
        List<Long> holds = new CopyOnWriteArrayList<>();
        try (RecordingStream rs = new RecordingStream()) {
            rs.enable("io.github.k3portlock.Wait").withoutThreshold();
            rs.enable("io.github.k3portlock.Hold").withoutThreshold();
            rs.setMaxAge(Duration.ofMinutes(1));
            rs.onEvent("io.github.k3portlock.Wait", e -> {
                if (key.equals(e.getString("key"))) {
                    waits.add(e.getString("outcome"));
                }
            });
            rs.onEvent("io.github.k3portlock.Hold", e -> {
                if (key.equals(e.getString("key"))) {
                    holds.add(e.getDuration("held").toNanos());
                }
            });
            rs.startAsync();
            LockHandle h = locks.acquire(key).get(30, TimeUnit.SECONDS);
            ExecutionException timedOut = assertThrows(ExecutionException.class,
                    () -> locks.acquire(key, Duration.ofMillis(20)).get(30, TimeUnit.SECONDS));
            assertInstanceOf(PortlockTimeoutException.class, timedOut.getCause());
            h.release();
            Await.until("two Wait events and one Hold event for the key",
                    () -> waits.size() >= 2 && holds.size() >= 1);
            assertEquals(List.of("acquired", "timeout"), waits.stream().sorted().toList());
            assertEquals(1, holds.size(), "one Hold event, at the release");
        }
    }
}
