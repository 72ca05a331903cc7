package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.testkit.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Real child JVMs against one in-process ZooKeeper server. */
class ZooKeeperCrossProcessTest {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();

    private static CuratorFramework client;
    private static ZooKeeperLocks locks;

    @BeforeAll
    static void connect() {
        client = ZK.client(10_000);
        locks = ZooKeeperLocks.create(client, "/xproc");
    }

    private static Process child(String... args) throws Exception {
        return new ProcessBuilder(ChildJvm.command(List.of(), ZkChild.class, args))
                .redirectErrorStream(true).start();
    }

    @Test
    void threeJvmsTimesTwoHundredSectionsLoseNoUpdate(@TempDir Path dir) throws Exception {
        String key = "count-" + UUID.randomUUID();
        Path counter = dir.resolve("counter");
        Files.writeString(counter, "0");
        List<Process> children = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            children.add(child("count", ZK.connectString(), key, counter.toString(), "200"));
        }
        for (Process p : children) {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("DONE"), out);
        }
        assertEquals("600", Files.readString(counter).trim());
        ZkTestSupport.awaitNoChildren(client, locks.lockPath(key));
    }

    @Test
    void aHolderKilledWithSigkillPassesTheLockAfterItsSessionTimeout() throws Exception {
        String key = "kill-" + UUID.randomUUID();
        Process holder = child("hold", ZK.connectString(), key);
        try {
            String line = ChildJvm.awaitLine(holder, ""); // the first line, whatever it is
            assertTrue(line.startsWith("HELD"), line);
            long holderToken = Long.parseLong(line.substring(5));
            CompletableFuture<LockHandle> waiter = locks.acquire(key, Duration.ofSeconds(30));
            org.junit.jupiter.api.Assertions.assertThrows(TimeoutException.class,
                    () -> waiter.get(500, TimeUnit.MILLISECONDS));
            long killedAt = System.nanoTime();
            holder.destroyForcibly(); // SIGKILL: no release, the session just stops
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
            ZooKeeperHandle h = (ZooKeeperHandle) waiter.get(30, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - killedAt) / 1_000_000;
            assertTrue(h.isValid());
            assertTrue(h.fencingToken() > holderToken, h + " after token " + holderToken);
            // the child's session timeout is 2 s: the lock cannot pass much before it expired
            assertTrue(ms >= 1000, "passed after only " + ms + " ms");
            h.release();
        } finally {
            holder.destroyForcibly();
        }
    }
}
