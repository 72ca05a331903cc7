package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link CommandTree} on real processes: a background job is seen, and ended with its parent. */
class CommandTreeTest {
    @Test
    void aBackgroundJobIsRememberedAfterItsParentDiedAndEnded() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs Linux /proc");
        Path dir = Files.createTempDirectory("command-tree");
        Path pidFile = dir.resolve("pid");
        // The shell starts a job that outlives it: re-parented away from the command's tree.
        Process command = new ProcessBuilder("sh", "-c", "sleep 120 & echo $! > " + pidFile
                + "; read x; exit 0").start();
        StringWriter verbose = new StringWriter();
        CommandTree tree = new CommandTree(command, ProcessTree.PROC, new PrintWriter(verbose));
        ScheduledExecutorService tracker = tree.track();
        try {
            ProcessHandle job = Cli.awaitPidFile(pidFile);
            Await.until("the job remembered", Cli.DEADLINE,
                    () -> verbose.toString().contains("watching pid " + job.pid() + " "));
            command.getOutputStream().close(); // the shell exits; the job runs on
            assertEquals(0, command.waitFor());
            assertTrue(job.isAlive() && !Cli.gone(job), "the job outlived the shell");
            tree.end();
            assertTrue(Cli.gone(job), "ended with the tree");
        } finally {
            tracker.shutdownNow();
            command.destroyForcibly();
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(dir);
        }
    }
}
