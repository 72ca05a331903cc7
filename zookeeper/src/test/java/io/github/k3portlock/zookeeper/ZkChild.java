package io.github.k3portlock.zookeeper;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;

/**
 * A child JVM for the cross-process tests. {@code count CONNECT KEY FILE N}: N locked increments
 * of the number in FILE, checking that no one else is inside (a marker file created exclusively);
 * prints DONE. {@code hold CONNECT KEY}: takes the lock, prints HELD, and waits to be killed.
 */
public final class ZkChild {
    private ZkChild() {
    }

    public static void main(String[] args) throws Exception {
        CuratorFramework client = ZkTestSupport.client(args[1], 2000);
        ZooKeeperLocks locks = ZooKeeperLocks.create(client, "/xproc");
        String key = args[2];
        if (args[0].equals("hold")) {
            ZooKeeperHandle h = (ZooKeeperHandle) locks.acquire(key, Duration.ofSeconds(30)).join();
            System.out.println("HELD " + h.fencingToken());
            System.out.flush();
            while (true) {
                Thread.sleep(60_000); // killed with -9 by the test
            }
        }
        Path file = Path.of(args[3]);
        Path inside = Path.of(args[3] + ".inside");
        int n = Integer.parseInt(args[4]);
        for (int i = 0; i < n; i++) {
            locks.withLock(key, Duration.ofSeconds(60), h -> {
                try {
                    Files.createFile(inside);
                } catch (FileAlreadyExistsException e) {
                    System.out.println("OVERLAP");
                    System.exit(3);
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
                try {
                    int v = Integer.parseInt(Files.readString(file, StandardCharsets.UTF_8).trim());
                    Files.writeString(file, Integer.toString(v + 1), StandardCharsets.UTF_8);
                    Files.delete(inside);
                    return CompletableFuture.completedFuture(null);
                } catch (Exception e) {
                    return CompletableFuture.failedFuture(e);
                }
            }).join();
        }
        System.out.println("DONE");
        client.close();
    }
}
