package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Tcp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Issue 14 through the real CLI: TIME_WAIT wording, keys that are not UTF-8, IPv6 texts. */
class EdgeCasesIT {
    @Test
    void timeWaitIsNamedByStatusAndRun() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp")), "needs Linux /proc");
        LockPorts target = null;
        for (int attempt = 0; attempt < 10 && target == null; attempt++) {
            LockPorts candidate = PortScheme.DEFAULT.lockPorts(Cli.freshKey());
            if (Tcp.leaveTimeWait(candidate.numbers().get(0))
                    && Tcp.leaveTimeWait(candidate.numbers().get(1))) {
                target = candidate;
            }
        }
        assertTrue(target != null, "no key with two free ports in 10 tries");
        LockPorts t = target;
        long deadline = System.nanoTime() + Cli.DEADLINE.toNanos();
        while (!(Tcp.listedInTimeWait(t.numbers().get(0))
                && Tcp.listedInTimeWait(t.numbers().get(1)))) {
            assertTrue(System.nanoTime() - deadline < 0,
                    "no TIME_WAIT listed on two ports of " + t);
            Thread.sleep(10); // polling /proc, the only way to see the kernel's state change
        }

        Cli.Result status = Cli.run("status", t.key());
        assertEquals(1, status.code, status.toString());
        assertTrue(status.out.contains("time-wait  no process (closed connection)"),
                status.toString());
        assertTrue(status.out.contains("frees it within its TIME_WAIT period"), status.toString());
        assertFalse(status.out.contains("owner unknown"), status.toString());

        Cli.Result run = Cli.run("run", "--nonblock", t.key(), "--", "true");
        assertEquals(1, run.code, run.toString());
        assertTrue(run.err.contains(") is held by a closed connection in TIME_WAIT (no process;"
                + " the kernel frees the port within about 60 s); not waiting"), run.toString());
        assertFalse(run.err.contains("unknown owner"), run.toString());
    }

    @Test
    void aKeyThatIsNotUtf8IsABadArgument() throws Exception {
        // Java's ProcessBuilder cannot pass bytes that are not UTF-8: the shell makes them.
        List<String> cmd = new ArrayList<>(List.of("sh", "-c",
                "exec \"$@\" \"$(printf 'k\\355\\240\\200')\"", "sh"));
        cmd.addAll(Cli.command("ports"));
        Path err = Files.createTempFile("portlock-it", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertTrue(p.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "portlock exits");
            String text = Files.readString(err);
            assertEquals(2, p.exitValue(), text);
            assertTrue(text.contains("KEY is not valid UTF-8 (byte 1 of the argument)"), text);
        } finally {
            Files.deleteIfExists(err);
        }
        // A valid multi-byte key is fine, and distinct from the replacement character's key.
        Cli.Result e = Cli.run("ports", "é");
        Cli.Result r = Cli.run("ports", "k\uFFFD");
        assertEquals(0, e.code, e.toString());
        assertEquals(0, r.code, "a real U+FFFD typed as UTF-8 is a valid key: " + r);
    }

    @Test
    void ipv6AddressesAreBracketedAndCompressed() throws Exception {
        String key = Cli.freshKey();
        PortScheme v6 = PortScheme.builder().host("::1").build();
        try (Portlock holder = Portlock.builder(key).scheme(v6).build()) {
            Assumptions.assumeTrue(holder.tryLock(), "ports on ::1 taken, or no IPv6 loopback");
            try {
                Cli.Result run = Cli.run("run", "--nonblock", "--host=::1", key, "--", "true");
                assertEquals(1, run.code, run.toString());
                String ports = holder.lockPorts().numbers().get(0) + "-"
                        + holder.lockPorts().numbers().get(2);
                assertTrue(run.err.contains("lock '" + key + "' ([::1]:" + ports + " (quorum 2)) is"
                        + " held by pid " + ProcessHandle.current().pid()), run.toString());
                assertFalse(run.err.contains("0:0:0:0"), run.toString());
                Cli.Result status = Cli.run("status", "--host=::1", key);
                assertEquals(1, status.code, status.toString());
                assertTrue(status.out.contains("quorum 2, on ::1"), status.toString());
                Cli.Result addr = Cli.run("ports", "--address", "--host=::1", key);
                assertTrue(addr.out.startsWith("[::1]:" + holder.lockPorts().numbers().get(0)),
                        addr.toString());
            } finally {
                holder.release();
            }
        }
    }
}
