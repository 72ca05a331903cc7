package io.github.k3portlock.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs each example and asserts what it prints. */
class ExamplesTest {

    private interface Body {
        void run(PrintStream out) throws Exception;
    }

    private static List<String> output(Body body) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            body.run(out);
        }
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\\R"));
    }

    @Test
    void synopsisPrintsTheOriginalsLinesInOrder() throws Exception {
        String prefix = "ex-" + UUID.randomUUID() + "-";
        List<String> lines = output(out -> Synopsis.run(out, prefix));
        assertEquals(List.of(
                "Lock acquired",
                "Lock released",
                "Lock acquired",
                "Lock released",
                "Lock acquired via context manager",
                "Lock automatically released",
                "false",
                "false",
                "false",
                "true"), lines);
    }

    @Test
    void asyncPipelineReleasesOnEveryPath() throws Exception {
        String key = "ex-" + UUID.randomUUID();
        List<String> lines = output(out -> AsyncPipeline.run(out, key));
        assertEquals(List.of(
                "thenCompose: report for " + key.length() + "-char key",
                "free after thenCompose: true",
                "withLock: withLock value",
                "withLock failure: work failed",
                "free after withLock: true",
                "orTimeout: TimeoutException",
                "acquire timeout: PortlockTimeoutException after >= 100 ms: true",
                "cancel: true, CancellationException",
                "free after timeouts and cancel: true",
                "waiting while held elsewhere: true",
                "acquired after release: true",
                "free at the end: true"), lines);
    }

    @Test
    void crossProcessCountsExactlyAndWaitsForTheOtherHolder() throws Exception {
        String key = "ex-" + UUID.randomUUID();
        boolean[] exact = new boolean[1];
        List<String> lines = output(out -> exact[0] = CrossProcess.run(out, 3, 200, key));
        String text = String.join("\n", lines);
        assertTrue(exact[0], text);
        assertTrue(lines.contains("total: 600, expected: 600"), text);
        assertTrue(text.contains("starting 3 worker JVMs, 200 locked increments each"), text);
        Matcher rate = Pattern.compile("time: [0-9.]+ s, acquisitions/s: (\\d+)").matcher(text);
        assertTrue(rate.find(), text);
        assertTrue(Long.parseLong(rate.group(1)) > 0);
        Matcher waited = Pattern.compile("acquired after (\\d+) ms, when the other process released it")
                .matcher(text);
        assertTrue(text.contains("holds '" + key + "'; waiting..."), text);
        assertTrue(waited.find(), text);
        // The holder keeps the lock for 1000 ms after saying HELD; we cannot have got it much earlier.
        assertTrue(Long.parseLong(waited.group(1)) >= 500, "acquired too early: " + text);
    }

    @Test
    void twoBackendsRunsTheSameCodeOnThePortLockAndOnZooKeeper() throws Exception {
        String key = "ex-" + UUID.randomUUID();
        List<String> lines = output(out -> TwoBackends.run(out, null, key));
        int n = key.length();
        assertEquals(List.of(
                "port lock: work done under " + n + "-char key",
                "port lock: waiting while held: true",
                "port lock: next holder valid: true",
                "ZooKeeper: in-process test server",
                "zookeeper: work done under " + n + "-char key",
                "zookeeper: waiting while held: true",
                "zookeeper: next holder valid: true",
                "zookeeper fencing token > 0: true"), lines);
    }

    @Test
    void scheduledJobRunsEachTickExactlyOnceAcrossThreeJvms() throws Exception {
        String name = "ex-" + UUID.randomUUID();
        boolean[] exact = new boolean[1];
        List<String> lines = output(out -> exact[0] = ScheduledJob.run(out, 3, 10, name));
        String text = String.join("\n", lines);
        assertTrue(exact[0], text);
        assertEquals("3 JVMs run @Scheduled(cron = \"* * * * * *\") + @SchedulerLock",
                lines.get(0));
        for (int t = 1; t <= 10; t++) {
            assertTrue(lines.get(t).matches(String.format("tick %2d: run by JVM [123]", t)), text);
        }
        assertEquals("exactly one run per tick: true", lines.get(11), text);
    }

    @Test
    void springLockRegistryExcludesThreadsAndProcesses() throws Exception {
        String key = "ex-" + UUID.randomUUID();
        List<String> lines = output(out -> SpringLockRegistry.run(out, key));
        String text = String.join("\n", lines);
        assertEquals(List.of(
                "same Lock for the same key: true",
                "held after 1 of 2 unlocks: true",
                "free after 2 of 2 unlocks: true",
                "4 threads x 250 executeLocked increments: 1000",
                "another process holds the key; tryLock(): false"), lines.subList(0, 5), text);
        Matcher waited = Pattern.compile(
                "tryLock\\(30 s\\): true after (\\d+) ms, when the other process released it")
                .matcher(lines.get(5));
        assertTrue(waited.matches(), text);
        // The holder keeps the lock for 1000 ms after saying HELD.
        assertTrue(Long.parseLong(waited.group(1)) >= 500, "acquired too early: " + text);
    }
}
