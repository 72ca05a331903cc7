package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The shaded {@code cli/target/portlock.jar} run as users run it, in child JVMs, against real
 * ports and real processes.
 */
class PortlockCliIT {

    @Test
    void runPassesExitCodeStdinAndStdoutThrough() throws Exception {
        String key = Cli.freshKey();
        Cli.Result r = Cli.runWithInput("in-put\n", "run", key, "--", "sh", "-c",
                "read line; echo \"got $line\"; echo to-stderr >&2; exit 7");
        assertEquals(7, r.code, r.toString());
        assertEquals("got in-put\n", r.out, r.toString());
        assertEquals("to-stderr\n", r.err, r.toString());

        Cli.Result ok = Cli.run("run", key, "true"); // "--" is optional
        assertEquals(0, ok.code, ok.toString());
        assertEquals("", ok.out + ok.err, "silent without --verbose");
    }

    @Test
    void commandIsRunWithItsOwnOptionsAfterKey() throws Exception {
        Cli.Result r = Cli.run("run", Cli.freshKey(), "--", "sh", "-c", "echo \"$@\"", "sh",
                "--help", "-n", "--");
        assertEquals(0, r.code, r.toString());
        assertEquals("--help -n --\n", r.out, r.toString());
    }

    @Test
    void nonblockAgainstAHeldLockExitsOneNamingTheHolderPid() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.startHolder(key);
        try {
            Cli.Result r = Cli.run("run", "--nonblock", key, "--", "echo", "must-not-run");
            assertEquals(1, r.code, r.toString());
            assertEquals("", r.out, "the command must not run: " + r);
            assertTrue(r.err.contains("is held by pid " + holder.pid() + " (")
                    && r.err.contains(key), r.toString());
            assertEquals(1, r.err.strip().lines().count(), "one line: " + r);
            assertTrue(r.err.contains("not waiting"), r.toString());

            Cli.Result e = Cli.run("run", "-n", "-E", "75", key, "--", "true");
            assertEquals(75, e.code, e.toString());
        } finally {
            Cli.destroyTree(holder);
        }
    }

    @Test
    void quietGivesUpSilentlyAsTheCronExampleWants() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.startHolder(key);
        try {
            Cli.Result q = Cli.run("run", "--nonblock", "--conflict-exit-code", "0", "--quiet", key,
                    "--", "echo", "must-not-run");
            assertEquals(0, q.code, q.toString());
            assertEquals("", q.out, q.toString());
            assertEquals("", q.err, "silence, for cron: " + q);
            Cli.Result t = Cli.run("run", "-q", "-w", "200ms", key, "--", "true");
            assertEquals(1, t.code, t.toString());
            assertEquals("", t.err, t.toString());
            Cli.Result loud = Cli.run("run", "-n", "-E", "0", key, "--", "true");
            assertTrue(loud.err.contains("not waiting"), "without -q: " + loud);
        } finally {
            Cli.destroyTree(holder);
        }
        Cli.Result free = Cli.run("run", "-q", key, "--", "sh", "-c", "echo ran >&2; exit 3");
        assertEquals(3, free.code, free.toString());
        assertEquals("ran\n", free.err, "COMMAND's own output is not silenced: " + free);
    }

    @Test
    void timeoutWaitsThenGivesUp() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.startHolder(key);
        try {
            Cli.Result r = Cli.run("run", "--timeout", "1500ms", key, "--", "echo", "must-not-run");
            assertEquals(1, r.code, r.toString());
            assertEquals("", r.out, r.toString());
            assertTrue(r.err.contains("pid " + holder.pid()), r.toString());
            // The wait the CLI itself measured (the elapsed time here includes JVM start-up, so a
            // CLI that gave up early could hide in it), rounded down: at least the timeout.
            Matcher waited = Pattern.compile("; gave up after (\\d+\\.\\d) s$")
                    .matcher(r.err.strip());
            assertTrue(waited.find(), r.toString());
            double seconds = Double.parseDouble(waited.group(1));
            assertTrue(seconds >= 1.5, "waited " + seconds + " s: " + r);
            assertTrue(seconds < 30 && r.elapsed.compareTo(Duration.ofSeconds(30)) < 0,
                    r.toString());
        } finally {
            Cli.destroyTree(holder);
        }
    }

    @Test
    void waiterGetsTheLockWhenTheHolderFinishes() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.start("run", key, "--", "sh", "-c", "echo LOCKED; read x || true");
        try {
            Cli.awaitLine(holder, "LOCKED");
            Process waiter = new ProcessBuilder(Cli.command("run", "-v", "-w", "60s", key, "--",
                    "echo", "second")).redirectErrorStream(true).start();
            try {
                String waiting = Cli.awaitLineStartingWith(waiter, "portlock: waiting for lock '"
                        + key + "' (" + PortScheme.DEFAULT.lockPorts(key) + "), held by pid ");
                assertTrue(waiting.contains("held by pid " + holder.pid() + " ("), waiting);
                holder.getOutputStream().close(); // the holder's command ends, it releases
                assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, holder.exitValue());
                Cli.awaitLine(waiter, "second");
                assertTrue(waiter.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, waiter.exitValue());
            } finally {
                Cli.destroyTree(waiter);
            }
        } finally {
            Cli.destroyTree(holder);
        }
    }

    @Test
    void statusNamesThePidOfAChildJvmHoldingTheLock() throws Exception {
        String key = Cli.freshKey();
        LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
        Process holder = Cli.startHolder(key);
        try {
            Cli.Result r = Cli.run("status", key);
            assertEquals(1, r.code, "held: " + r);
            assertTrue(r.out.startsWith("lock '" + key + "' is held: "), r.toString());
            long listening = r.out.lines().filter(l -> l.matches(
                    "\\s+\\d+\\s+held\\s+listening\\s+pid " + holder.pid())).count();
            assertEquals(ports.quorum(), listening, r.toString());
            assertTrue(r.out.contains("pid " + holder.pid() + ": "), r.toString());
        } finally {
            Cli.destroyTree(holder);
        }
        assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        Cli.Result after = Cli.run("status", key);
        assertFalse(after.out.contains("pid " + holder.pid()), after.toString());
    }

    @Test
    @SuppressWarnings("try") // the sockets are held, not used
    void statusReportsAStrangersPlainSocketAndListener() throws Exception {
        long me = ProcessHandle.current().pid();
        for (int attempt = 0; ; attempt++) {
            LockPorts ports = PortScheme.DEFAULT.lockPorts(Cli.freshKey());
            InetSocketAddress plainAt = ports.socketAddresses().get(0);
            InetSocketAddress listenAt = ports.socketAddresses().get(2);
            try (Socket plain = new Socket();
                    ServerSocketChannel listener = ServerSocketChannel.open()) {
                plain.setReuseAddress(false);
                try {
                    plain.bind(plainAt); // bound, never listening: invisible in /proc/net/tcp
                    listener.bind(listenAt, 1);
                } catch (BindException e) {
                    if (attempt < 5) {
                        continue; // an ephemeral connection took the port: another key
                    }
                    throw e;
                }
                Cli.Result r = Cli.run("status", ports.key());
                List<String> lines = r.out.lines().collect(Collectors.toList());
                assertTrue(lines.stream().anyMatch(l -> l.matches(
                        "\\s+" + plainAt.getPort() + "\\s+held\\s+bound\\s+owner unknown")),
                        r.toString());
                assertTrue(lines.stream().anyMatch(l -> l.matches(
                        "\\s+" + listenAt.getPort() + "\\s+held\\s+listening\\s+pid " + me)),
                        r.toString());
                // Two strangers hold two of three ports: a quorum, so the lock is blocked.
                assertEquals(1, r.code, r.toString());
                return;
            }
        }
    }

    @Test
    void killedCliLeavesTheLockFreeAndItsCommandRunningUnlocked() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.startHolder(key);
        List<ProcessHandle> command = holder.descendants().collect(Collectors.toList());
        try {
            assertEquals(1, command.size(), "sh exec'd sleep: " + command);
            holder.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
            Cli.Result r = Cli.run("run", "-n", key, "--", "echo", "free");
            assertEquals(0, r.code, r.toString());
            assertEquals("free\n", r.out);
            // The documented limit: the lock lived in the CLI, the command runs on.
            assertTrue(command.get(0).isAlive(), "the orphaned command still runs");
        } finally {
            command.forEach(ProcessHandle::destroyForcibly);
            Cli.destroyTree(holder);
        }
    }

    @Test
    void sigtermEndsTheCommandAndItsGrandchildThenReleasesTheLock() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.start("run", key, "--", "sh", "-c",
                "sleep 120 & echo \"GRANDCHILD $!\"; wait");
        List<ProcessHandle> tree = new ArrayList<>();
        try {
            String line = Cli.awaitLineStartingWith(holder, "GRANDCHILD ");
            ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(line.substring(11)))
                    .orElseThrow();
            tree.add(grandchild);
            holder.children().forEach(tree::add);
            assertEquals(2, tree.size(), "sh and its sleep: " + tree);
            holder.destroy(); // SIGTERM to the CLI alone: sh and sleep get none from the test
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
            assertEquals(128 + 15, holder.exitValue());
            // Ended before the CLI exited (and so before the kernel freed its ports): not polled.
            for (ProcessHandle h : tree) {
                assertTrue(Cli.gone(h), "pid " + h.pid() + " still runs after the CLI exited");
            }
            Cli.Result r = Cli.run("run", "-n", key, "--", "true");
            assertEquals(0, r.code, r.toString());
        } finally {
            tree.forEach(ProcessHandle::destroyForcibly);
            Cli.destroyTree(holder);
        }
    }

    @Test
    void ctrlCToTheProcessGroupEndsABackgroundGrandchildBeforeTheLockIsFree() throws Exception {
        // Ctrl-C: SIGINT to the whole foreground group. The non-interactive sh dies of it at once,
        // but its & job ignores SIGINT (and here SIGTERM too) and is re-parented away from the
        // command's tree: the CLI must still end it (SIGKILL after the grace period) before the
        // lock is free.
        String key = Cli.freshKey();
        Path dir = Files.createTempDirectory("portlock-it");
        Path pidFile = dir.resolve("grandchild");
        Process cli = new ProcessBuilder(Cli.commandInOwnGroup("run", "-v", key, "--", "sh", "-c",
                "trap '' TERM; sleep 300 & echo $! > '" + pidFile + "'; wait"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle grandchild = null;
        try {
            Cli.Lines err = new Cli.Lines(cli.getErrorStream());
            grandchild = Cli.awaitPidFile(pidFile);
            long gc = grandchild.pid();
            // The CLI has seen it under the command (a process re-parented before the CLI's first
            // look could escape: the documented limit).
            err.await("the CLI watching pid " + gc,
                    l -> l.startsWith("portlock: watching pid " + gc + " "));
            assertEquals(cli.pid(), Cli.processGroup(cli.pid()), "the CLI leads its own group");

            Cli.killGroup("INT", cli.pid());
            // Through the grace period (the grandchild ignores SIGTERM; SIGKILL comes after
            // 5 s), try the lock from here: never free while the grandchild runs.
            int triesWhileItRan = 0;
            long end = System.nanoTime() + Cli.DEADLINE.toNanos();
            while (cli.isAlive() && System.nanoTime() - end < 0) {
                boolean free;
                try (Portlock probe = new Portlock(key, Duration.ZERO)) {
                    free = probe.tryLock();
                }
                if (!Cli.gone(grandchild)) { // still running after the try: it ran throughout
                    assertFalse(free, "lock free while pid " + gc + " runs; " + err);
                    triesWhileItRan++;
                }
                Thread.sleep(10); // a poll interval; the loop ends when the CLI exits
            }
            assertTrue(triesWhileItRan > 0, "the grandchild lived into the grace period");

            assertTrue(cli.waitFor(60, TimeUnit.SECONDS), err.toString());
            assertEquals(128 + 2, cli.exitValue(), err.toString());
            assertTrue(Cli.gone(grandchild), "pid " + gc + " still runs after the CLI exited");
            Cli.Result after = Cli.run("run", "-n", key, "--", "true");
            assertEquals(0, after.code, after.toString());
        } finally {
            if (grandchild != null) {
                grandchild.destroyForcibly();
            }
            Cli.destroyTree(cli);
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void commandKilledByASignalHasItsBackgroundJobEndedBeforeTheLockIsReleased() throws Exception {
        // The command (sh) dies of a signal that portlock never got: its & job must not run on
        // unlocked, so the main thread ends it before releasing.
        String key = Cli.freshKey();
        Path dir = Files.createTempDirectory("portlock-it");
        Path pidFile = dir.resolve("grandchild");
        Process cli = new ProcessBuilder(Cli.command("run", "-v", key, "--", "sh", "-c",
                "sleep 300 & echo $! > '" + pidFile + "'; wait"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        ProcessHandle grandchild = null;
        try {
            Cli.Lines err = new Cli.Lines(cli.getErrorStream());
            grandchild = Cli.awaitPidFile(pidFile);
            long gc = grandchild.pid();
            err.await("the CLI watching pid " + gc,
                    l -> l.startsWith("portlock: watching pid " + gc + " "));
            List<ProcessHandle> sh = cli.children().collect(Collectors.toList());
            assertEquals(1, sh.size(), sh.toString());
            sh.get(0).destroy(); // SIGTERM to sh alone

            assertTrue(cli.waitFor(60, TimeUnit.SECONDS), err.toString());
            assertEquals(128 + 15, cli.exitValue(), "sh's own status: " + err);
            assertTrue(Cli.gone(grandchild), "pid " + gc + " still runs after the CLI exited");
            assertTrue(err.await("the release", l -> l.startsWith("portlock: command exited with"))
                    .contains("143"), err.toString());
            Cli.Result after = Cli.run("run", "-n", key, "--", "true");
            assertEquals(0, after.code, after.toString());
        } finally {
            if (grandchild != null) {
                grandchild.destroyForcibly();
            }
            Cli.destroyTree(cli);
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void sigtermKillsACommandThatIgnoresItAfterTheGracePeriod() throws Exception {
        String key = Cli.freshKey();
        Process holder = Cli.start("run", key, "--", "sh", "-c",
                "trap '' TERM; echo LOCKED; while :; do sleep 1; done");
        List<ProcessHandle> command = List.of();
        try {
            Cli.awaitLine(holder, "LOCKED");
            command = holder.descendants().collect(Collectors.toList());
            long start = System.nanoTime();
            holder.destroy();
            // During the grace period the command still runs, and so the lock stays held.
            Cli.Result during = Cli.run("run", "-n", key, "--", "true");
            if (holder.isAlive()) {
                assertEquals(1, during.code, during.toString());
            }
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
            assertEquals(128 + 15, holder.exitValue());
            long waitedMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waitedMs >= CommandTree.GRACE_SECONDS * 1000 - 500,
                    "waited the grace period first: " + waitedMs + " ms");
            for (ProcessHandle h : command) {
                assertTrue(Cli.gone(h), "pid " + h.pid() + " still runs after the CLI exited");
            }
            assertEquals(0, Cli.run("status", key).code, "lock free after the CLI exited");
        } finally {
            command.forEach(ProcessHandle::destroyForcibly);
            Cli.destroyTree(holder);
        }
    }

    @Test
    void badArgumentsExitTwoWithAMessageAndUsage() throws Exception {
        String key = Cli.freshKey();
        String[][] bad = {
            {},
            {"lock"},
            {"run", "--nonblok", key, "--", "true"},
            {"run", "--nonblock", "--timeout", "1s", key, "--", "true"},
            {"run", "--timeout", "soon", key, "--", "true"},
            {"run", "--timeout", "-5s", key, "--", "true"},
            {"run", "-w", "PT9999999999H", key, "--", "true"},
            {"run", key},
            {"run", key, "--"},
            {"run", "", "--", "true"},
            {"run", "-E", "256", key, "--", "true"},
            {"run", "--port-count", "2", key, "--", "true"},
            {"status"},
            {"status", "--host", "localhost", key},
            {"ports", "--range-start", "70000", key},
            {"--verbose", "run", key, "--", "true"},
            {"--timeout=5s", "run", key, "--", "true"},
            {"--address", "status", key},
        };
        String[] messages = {
            "Missing a command", "unknown command 'lock'", "Unknown option: '--nonblok'",
            "mutually exclusive", "'soon' is not a duration", "duration '-5s' must not be negative",
            "duration 'PT9999999999H' is too long (at most 100 years",
            "Missing required parameter: 'COMMAND'", "Missing required parameter: 'COMMAND'",
            "lock key must not be empty",
            "--conflict-exit-code must be 0-255, got 256", "port count must be odd",
            "Missing required parameter: 'KEY'", "host must be an IP literal", "must lie within",
            "option '--verbose' goes after the command, as in 'portlock run --verbose ...'",
            "option '--timeout' goes after the command, as in 'portlock run --timeout ...'",
            "option '--address' goes after the command, as in 'portlock ports --address ...'"
                    + " ('status' has no such option)",
        };
        for (int i = 0; i < bad.length; i++) {
            Cli.Result r = Cli.run(bad[i]);
            String what = String.join(" ", bad[i]) + ": " + r;
            assertEquals(2, r.code, what);
            assertTrue(r.err.startsWith("portlock: "), what);
            assertTrue(r.err.contains(messages[i]), what);
            assertTrue(r.err.contains("Usage: portlock"), what);
            assertEquals("", r.out, what);
        }
    }

    @Test
    void helpForEachCommandExitsZero() throws Exception {
        for (String cmd : new String[] {"run", "status", "ports"}) {
            Cli.Result r = Cli.run(cmd, "--help");
            assertEquals(0, r.code, r.toString());
            assertTrue(r.out.startsWith("Usage: portlock " + cmd + " "), r.toString());
            assertTrue(r.out.contains("Exit codes:"), r.toString());
        }
        Cli.Result top = Cli.run("--help");
        assertEquals(0, top.code, top.toString());
        assertTrue(Pattern.compile("^\\s+run\\s", Pattern.MULTILINE).matcher(top.out).find(),
                top.out);
    }

    @Test
    void portsPrintsTheKeysPortsCompatibleWithThePythonOriginal() throws Exception {
        Cli.Result r = Cli.run("ports", "mylock");
        assertEquals(0, r.code, r.toString());
        assertEquals("44655\n44656\n44657\n", r.out);
        Cli.Result v6 = Cli.run("ports", "--address", "--host", "::1", "--port-count", "1", "k1");
        assertEquals("[::1]:53029\n", v6.out, v6.toString());
    }

    @Test
    void commandNotFoundExits127AndReleasesTheLock() throws Exception {
        String key = Cli.freshKey();
        Cli.Result r = Cli.run("run", key, "--", "no-such-command-" + key);
        assertEquals(127, r.code, r.toString());
        assertTrue(r.err.startsWith("portlock: cannot run 'no-such-command-"), r.toString());
        assertEquals(0, Cli.run("run", "-n", key, "--", "true").code);
    }
}
