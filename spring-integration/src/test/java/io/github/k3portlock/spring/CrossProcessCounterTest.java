package io.github.k3portlock.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.k3portlock.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVMs run 200 sections each through {@code executeLocked} on a counter in a file. */
class CrossProcessCounterTest {

    @Test
    void twoJvmsNeverOverlapAndLoseNoIncrement(@TempDir Path dir) throws Exception {
        String key = "spring-" + UUID.randomUUID();
        Files.writeString(dir.resolve("counter"), "0");
        int sections = 200;
        Process a = ChildJvm.start(CounterChild.class, key, dir.toString(),
                Integer.toString(sections));
        Process b = ChildJvm.start(CounterChild.class, key, dir.toString(),
                Integer.toString(sections));
        try {
            assertEquals("DONE", ChildJvm.awaitLine(a, "", Duration.ofMinutes(2)));
            assertEquals("DONE", ChildJvm.awaitLine(b, "", Duration.ofMinutes(2)));
            assertEquals(0, ChildJvm.awaitExit(a, Duration.ofSeconds(30)));
            assertEquals(0, ChildJvm.awaitExit(b, Duration.ofSeconds(30)));
        } finally {
            a.destroyForcibly();
            b.destroyForcibly();
        }
        assertEquals(Integer.toString(2 * sections), Files.readString(dir.resolve("counter")));
    }
}
