package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code portlock status} names who holds the Python original's Linux name of a key (issue 12):
 * a python3 process binds {@code "\0/portlock/" + KEY} exactly as the original does on Linux.
 */
class LinuxNameStatusIT {
    private static final String PEER = "import socket, sys\n"
            + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            + "s.bind(b'\\0/portlock/' + sys.argv[1].encode('utf-8'))\n"
            + "print('HELD', flush=True)\n"
            + "sys.stdin.readline()\n";

    @Test
    void statusNamesTheProcessHoldingTheOriginalsNameAndKeepsTheExitCodeAboutPorts()
            throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/net/unix")), "Linux only");
        String key = Cli.freshKey();
        Cli.Result free = Cli.run("status", key);
        assertEquals(0, free.code, free.toString());
        assertTrue(free.out.contains("  name @/portlock/" + key + "  free"), free.out);

        Process peer;
        try {
            peer = new ProcessBuilder("python3", "-c", PEER, key)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is needed for the peer: " + e);
            return;
        }
        try {
            Cli.awaitLine(peer, "HELD");
            Cli.Result r = Cli.run("status", key);
            assertEquals(0, r.code, "the ports are free: exit 0 whatever holds the name\n" + r);
            // The command line is the peer's as /proc shows it (python3 may be a full path).
            assertTrue(r.out.contains("  name @/portlock/" + key + "  held  pid " + peer.pid()
                    + " (") && r.out.contains("python3"), r.out);
        } finally {
            peer.destroyForcibly().waitFor();
        }
    }
}
