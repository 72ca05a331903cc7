package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code portlock status} names who holds the Python original's Linux name of a key, and says
 * the key is held (exit 1) when the scheme is the original's: a python3 process binds
 * {@code "\0/portlock/" + KEY} exactly as the original does on Linux.
 */
class LinuxNameStatusIT {
    private static final String PEER = "import socket, sys\n"
            + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            + "s.bind(b'\\0/portlock/' + sys.argv[1].encode('utf-8'))\n"
            + "print('HELD', flush=True)\n"
            + "sys.stdin.readline()\n";

    @Test
    void statusNamesTheProcessHoldingTheOriginalsNameAndIsHeldForTheOriginalsScheme()
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
            // The original holds the key by its name alone: held, on any Java.
            assertEquals(1, r.code, "the original's name is held: exit 1\n" + r);
            assertTrue(r.out.startsWith("lock '" + key + "' is held: 0 of 3 ports held"), r.out);
            // The command line is the peer's as /proc shows it (python3 may be a full path).
            assertTrue(r.out.contains("  name @/portlock/" + key + "  held  pid " + peer.pid()
                    + " (") && r.out.contains("python3"), r.out);

            // Another port scheme is not the original's lock: its name decides nothing.
            Cli.Result other = Cli.run("status", "--range-start=40001", key);
            assertEquals(0, other.code, other.toString());
            assertTrue(other.out.contains("another port scheme than the original's"), other.out);
        } finally {
            peer.destroyForcibly().waitFor();
        }
    }
}
