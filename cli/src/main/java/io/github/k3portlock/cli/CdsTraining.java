package io.github.k3portlock.cli;

import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * The workload the launcher runs once, in the background, with
 * {@code -XX:ArchiveClassesAtExit}, to write the class-data-sharing archive that later starts use:
 * every command's parsing, help, an error, and a real {@code run} of {@code true} on a key of its
 * own. Its output is discarded. Not part of the CLI's interface.
 */
final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) {
        String key = "portlock-cds-training-" + ProcessHandle.current().pid();
        PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream());
        String[][] runs = {
            {"--version"}, {"--help"}, {"run", "--help"}, {"status", "--help"}, {"ports", "--help"},
            {"--verbose", "run", key, "true"}, {"run", "--timeout", "-5s", key, "true"},
            {"ports", key}, {"ports", "--address", "--host", "::1", key},
            {"status", key},
            {"run", "--nonblock", "--timeout=10s", "--verbose", key, "--", "true"},
            {"run", "-w", "1s", key, "--", "true"},
            // Long enough for the tracker's looks under the command.
            {"run", key, "--", "sh", "-c", "sleep 0.3"},
        };
        for (String[] run : runs) {
            Main.execute(sink, sink, run);
        }
    }
}
