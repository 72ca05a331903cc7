package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ProcessTree} on fake {@code /proc} trees written to a directory: no real processes. */
class ProcessTreeTest {
    @TempDir
    Path proc;

    /** Writes {@code /proc/PID/stat} with a command name that has spaces and parentheses. */
    private void process(long pid, char state, long parent) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (a (b) c) " + state + " " + parent + " "
                + pid + " 0 0 -1 4194304\n");
        Files.createDirectories(dir.resolve("task/" + pid));
        Files.writeString(dir.resolve("task/" + pid + "/children"), "");
    }

    /** Writes the children list of one thread of {@code pid}, as the kernel does. */
    private void children(long pid, long tid, String list) throws IOException {
        Path task = Files.createDirectories(proc.resolve(pid + "/task/" + tid));
        Files.writeString(task.resolve("children"), list);
    }

    @Test
    void descendantsAreFoundThroughEveryThreadsChildrenWithTheirParents() throws IOException {
        process(100, 'S', 1);
        process(101, 'S', 100);
        process(102, 'R', 100);
        process(103, 'S', 101);
        children(100, 100, "101 ");
        children(100, 150, "102 "); // forked by another thread of 100
        children(101, 101, "103 ");
        Map<Long, Long> found = new ProcessTree(proc).descendants(100);
        assertEquals(Map.of(101L, 100L, 102L, 100L, 103L, 101L), found);
        assertTrue(new ProcessTree(proc).readable(100));
        assertFalse(new ProcessTree(proc).readable(999));
    }

    @Test
    void aReusedPidIsLeftOutWithItsSubtree() throws IOException {
        process(200, 'S', 1);
        process(201, 'S', 77); // listed under 200, but its stat names another parent: reused
        process(202, 'S', 201);
        children(200, 200, "201");
        children(201, 201, "202");
        assertEquals(Map.of(), new ProcessTree(proc).descendants(200));
    }

    @Test
    void aProcessThatExitedDuringTheWalkIsSkippedAndTheRestFound() throws IOException {
        process(300, 'S', 1);
        process(302, 'S', 300);
        children(300, 300, "301 302"); // 301 has no /proc entry any more
        children(300, 301, "garbage 303"); // a torn read: the number is skipped
        assertEquals(Map.of(302L, 300L), new ProcessTree(proc).descendants(300));
        assertEquals(Map.of(), new ProcessTree(proc).descendants(999), "no such process");
    }

    @Test
    void aLoopInTheListsEnds() throws IOException {
        process(400, 'S', 401);
        process(401, 'S', 400);
        children(400, 400, "401");
        children(401, 401, "400");
        assertEquals(Map.of(401L, 400L), new ProcessTree(proc).descendants(400));
    }

    @Test
    void zombiesAndDeadProcessesAreTold() throws IOException {
        process(500, 'Z', 1);
        process(501, 'X', 1);
        process(502, 'S', 1);
        ProcessTree tree = new ProcessTree(proc);
        assertTrue(tree.zombie(500));
        assertTrue(tree.zombie(501));
        assertFalse(tree.zombie(502));
        assertFalse(tree.zombie(503), "no stat: the JDK is asked instead");
        assertEquals(OptionalLong.of(1), tree.parent(502));
        assertEquals(OptionalLong.empty(), tree.parent(503));
    }

    @Test
    void theRealProcFindsAChildOfThisJvm() throws Exception {
        ProcessTree real = ProcessTree.PROC;
        long me = ProcessHandle.current().pid();
        Assumptions.assumeTrue(real.readable(me), "needs Linux /proc");
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            Await.until("the child listed", Cli.DEADLINE,
                    () -> real.descendants(me).containsKey(child.pid()));
            assertEquals(me, real.descendants(me).get(child.pid()));
            assertFalse(real.zombie(child.pid()));
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
    }
}
