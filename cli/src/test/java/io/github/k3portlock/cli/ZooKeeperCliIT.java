package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code portlock run --zookeeper}: the shaded jar in child JVMs against a real ZooKeeper server
 * (curator-test's {@code TestingServer}) started here.
 */
class ZooKeeperCliIT {
    private TestingServer server;
    private CuratorFramework curator;

    @BeforeEach
    void startServer() throws Exception {
        server = new TestingServer(true);
        curator = CuratorFrameworkFactory.newClient(server.getConnectString(),
                new RetryOneTime(100));
        curator.start();
        assertTrue(curator.blockUntilConnected(60, TimeUnit.SECONDS));
    }

    @AfterEach
    void stopServer() throws Exception {
        curator.close();
        server.close();
    }

    /** The lock's nodes: the children of /k3portlock/KEY (a fresh key needs no escaping). */
    private List<String> nodes(String key) throws Exception {
        String path = RunOptions.ZK_DEFAULT_ROOT + "/" + key;
        return curator.checkExists().forPath(path) == null ? List.of()
                : curator.getChildren().forPath(path);
    }

    @Test
    void twoRunsExcludeEachOtherAndTheLockIsReleasedWhenTheCommandEnds() throws Exception {
        String key = Cli.freshKey();
        String zk = server.getConnectString();
        Process holder = Cli.start("run", "--zookeeper", zk, key, "--", "sh", "-c",
                "echo LOCKED; read x || true");
        try {
            Cli.awaitLine(holder, "LOCKED");
            assertEquals(1, nodes(key).size(), "the holder's node: " + nodes(key));

            Cli.Result r = Cli.run("run", "--zookeeper", zk, "--nonblock", key, "--", "echo",
                    "must-not-run");
            assertEquals(1, r.code, r.toString());
            assertEquals("", r.out, "the command must not run: " + r);
            assertTrue(r.err.contains("lock '" + key + "' (/k3portlock/" + key + " on " + zk
                    + ") is held by ZooKeeper session 0x"), r.toString());
            assertTrue(r.err.contains("not waiting"), r.toString());
            assertEquals(1, r.err.strip().lines().count(), "one line: " + r);

            Cli.Result e = Cli.run("run", "--zookeeper", zk, "-n", "-E", "75", key, "--", "true");
            assertEquals(75, e.code, e.toString());

            Cli.Result t = Cli.run("run", "--zookeeper", zk, "-w", "1500ms", key, "--", "true");
            assertEquals(1, t.code, t.toString());
            Matcher waited = Pattern.compile("; gave up after (\\d+\\.\\d) s$")
                    .matcher(t.err.strip());
            assertTrue(waited.find(), t.toString());
            assertTrue(Double.parseDouble(waited.group(1)) >= 1.4, t.toString());
            // The refused and timed-out runs closed their sessions: only the holder's node is left.
            Cli.await("only the holder's node left", () -> {
                try {
                    return nodes(key).size() == 1;
                } catch (Exception ex) {
                    return false;
                }
            });

            Process waiter = new ProcessBuilder(Cli.command("run", "--zookeeper", zk, "-w", "60s",
                    key, "--", "echo", "second")).redirectErrorStream(true).start();
            try {
                Cli.await("the waiter's node", () -> {
                    try {
                        return nodes(key).size() == 2;
                    } catch (Exception ex) {
                        return false;
                    }
                });
                holder.getOutputStream().close(); // the holder's command ends: it releases
                assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, holder.exitValue());
                Cli.awaitLine(waiter, "second");
                assertTrue(waiter.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, waiter.exitValue());
            } finally {
                Cli.destroyTree(waiter);
            }
            assertEquals(List.of(), nodes(key), "no node left once both commands ended");
        } finally {
            Cli.destroyTree(holder);
        }
    }

    @Test
    void lockIsReleasedWhenTheCommandEndsAndItsExitCodePassesThrough() throws Exception {
        String key = Cli.freshKey();
        Cli.Result r = Cli.run("run", "--zookeeper", server.getConnectString(), "-v", key, "--",
                "sh", "-c", "echo ran; exit 7");
        assertEquals(7, r.code, r.toString());
        assertEquals("ran\n", r.out, r.toString());
        assertTrue(r.err.contains("fencing token "), r.toString());
        assertEquals(List.of(), nodes(key), "no node left under the key's path");
    }

    @Test
    void unreachableEnsembleIsAClearErrorWithinTheTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String zk = "127.0.0.1:" + closed;
        Cli.Result r = Cli.run("run", "--zookeeper", zk, "-w", "2s", Cli.freshKey(), "--", "echo",
                "must-not-run");
        assertEquals(Main.FAILED, r.code, r.toString());
        assertEquals("", r.out, r.toString());
        assertTrue(r.err.startsWith("portlock: cannot reach ZooKeeper at " + zk + " within 2.0 s"),
                r.toString());
        assertEquals(1, r.err.strip().lines().count(), "one line, no logging: " + r);
        // Within the timeout plus a JVM's start-up and exit on a loaded machine.
        assertTrue(r.elapsed.compareTo(Duration.ofSeconds(12)) < 0, r.toString());
    }

    @Test
    void nonblockGivesUpOnAnUnreachableEnsembleWithinItsConnectionTimeout() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String zk = "127.0.0.1:" + closed;
        Cli.Result r = Cli.run("run", "--nonblock", "--zookeeper", zk, Cli.freshKey(), "--",
                "echo", "must-not-run");
        assertEquals(Main.FAILED, r.code, r.toString());
        assertEquals("", r.out, r.toString());
        assertTrue(r.err.startsWith("portlock: cannot reach ZooKeeper at " + zk + " within "
                + RunOptions.ZK_NONBLOCK_CONNECTION_SECONDS + ".0 s"), r.toString());
        // The 2 s connection timeout plus a JVM's start-up and exit on a loaded machine; the
        // 15 s one of a waiting run would exceed it.
        assertTrue(r.elapsed.compareTo(Duration.ofSeconds(12)) < 0, r.toString());
    }

    @Test
    void aConnectStringWithABadPortIsAUsageError() throws Exception {
        for (String zk : List.of("127.0.0.1:notaport", "127.0.0.1:99999")) {
            Cli.Result r = Cli.run("run", "--nonblock", "--zookeeper", zk, Cli.freshKey(), "--",
                    "echo", "must-not-run");
            assertEquals(Main.USAGE, r.code, r.toString());
            assertTrue(r.err.startsWith("portlock: Invalid value for option '--zookeeper': '" + zk
                    + "'"), r.toString());
            assertTrue(r.err.contains("expected HOST:PORT[,HOST:PORT...][/CHROOT]"), r.toString());
            assertFalse(r.err.contains("cannot reach"), r.toString());
            assertEquals("", r.out, r.toString());
        }
    }

    @Test
    void aMissingChrootIsNamed() throws Exception {
        String chroot = "/no-such-chroot-" + Cli.freshKey();
        String zk = server.getConnectString() + chroot;
        Cli.Result r = Cli.run("run", "--nonblock", "--zookeeper", zk, Cli.freshKey(), "--",
                "echo", "must-not-run");
        assertEquals(Main.FAILED, r.code, r.toString());
        assertEquals("", r.out, r.toString());
        assertTrue(r.err.contains("the chroot " + chroot + " does not exist"), r.toString());
        assertEquals(1, r.err.strip().lines().count(), "one line: " + r);
        assertNull(curator.checkExists().forPath(chroot), "nothing was created");

        curator.create().forPath(chroot);
        Cli.Result ok = Cli.run("run", "--nonblock", "--zookeeper", zk, Cli.freshKey(), "--",
                "echo", "ran");
        assertEquals(0, ok.code, ok.toString());
        assertEquals("ran\n", ok.out, ok.toString());
    }

    @Test
    void lostConnectionEndsTheCommandAndExitsLost() throws Exception {
        String key = Cli.freshKey();
        Path dir = Files.createTempDirectory("portlock-zk");
        Path pidFile = dir.resolve("pid");
        Process holder = Cli.start("run", "--zookeeper", server.getConnectString(), key, "--",
                "sh", "-c", "echo $$ > " + pidFile + "; echo LOCKED; exec sleep 120");
        try {
            Cli.awaitLine(holder, "LOCKED");
            ProcessHandle command = Cli.awaitPidFile(pidFile);
            server.stop(); // the connection drops: SUSPENDED, the lock may pass to another host
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "portlock did not end");
            assertEquals(Main.LOST, holder.exitValue());
            Cli.await("the command ended", () -> Cli.gone(command));
            assertFalse(command.isAlive() && !Cli.gone(command));
        } finally {
            Cli.destroyTree(holder);
            Files.deleteIfExists(pidFile);
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void badCombinationsAndStatusAreUsageErrors() throws Exception {
        Cli.Result root = Cli.run("run", "--zk-root", "/x", Cli.freshKey(), "true");
        assertEquals(2, root.code, root.toString());
        assertTrue(root.err.contains("--zk-root needs --zookeeper"), root.toString());

        Cli.Result host = Cli.run("run", "--zookeeper", server.getConnectString(), "--host", "::1",
                Cli.freshKey(), "true");
        assertEquals(2, host.code, host.toString());
        assertTrue(host.err.contains("--host shapes the port lock"), host.toString());

        Cli.Result badRoot = Cli.run("run", "--zookeeper", server.getConnectString(), "--zk-root",
                "no-slash", Cli.freshKey(), "true");
        assertEquals(2, badRoot.code, badRoot.toString());
        assertTrue(badRoot.err.contains("no-slash"), badRoot.toString());

        Cli.Result status = Cli.run("status", "--zookeeper", server.getConnectString(),
                Cli.freshKey());
        assertEquals(2, status.code, status.toString());
        assertTrue(status.err.contains("works on port locks only"), status.toString());
    }
}
