package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.testkit.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/**
 * A three-server ensemble under repeated server kills and injected session expiries, with three
 * clients (one with a slow completion executor) and six workers taking one key hundreds of
 * times: never two valid handles at once, and fencing tokens grow with every grant.
 */
class ZooKeeperChaosTest {
    private static final int SECTIONS = 300;

    /** The guarded resource: a counter that checks the lock's promises at each increment. */
    private static final class Resource {
        private final List<ZooKeeperHandle> live = new ArrayList<>();
        private final List<String> violations = new ArrayList<>();
        private long highestToken;
        private int counter;
        private int stale;

        synchronized void enter(ZooKeeperHandle h) {
            live.add(h);
        }

        /** One increment by holder {@code h}; refused (and counted) if {@code h} is not valid. */
        synchronized void increment(ZooKeeperHandle h) {
            if (!h.isValid()) {
                stale++;
                return;
            }
            for (ZooKeeperHandle other : live) {
                if (other != h && other.isValid()) {
                    violations.add("two valid holders: " + other + " and " + h);
                }
            }
            if (h.fencingToken() <= highestToken) {
                violations.add("token " + h.fencingToken() + " after " + highestToken);
            }
            highestToken = h.fencingToken();
            counter++;
        }

        synchronized void leave(ZooKeeperHandle h) {
            live.remove(h);
        }

        synchronized int counter() {
            return counter;
        }
    }

    @Test
    void neverTwoValidHoldersUnderServerKillsAndSessionExpiries() throws Exception {
        ScheduledExecutorService delays = Executors.newScheduledThreadPool(2);
        Executor late = task -> delays.schedule(task, ThreadLocalRandom.current().nextInt(21),
                TimeUnit.MILLISECONDS);
        List<CuratorFramework> clients = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        Resource resource = new Resource();
        AtomicInteger failedAcquisitions = new AtomicInteger();
        String key = "chaos-" + UUID.randomUUID();
        try (TestingCluster cluster = new TestingCluster(3)) {
            cluster.start();
            List<ZooKeeperLocks> locks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CuratorFramework c = ZkTestSupport.client(cluster.getConnectString(), 3000);
                clients.add(c);
                locks.add(i == 0 ? ZooKeeperLocks.builder(c, "/chaos").completionExecutor(late)
                        .build() : ZooKeeperLocks.create(c, "/chaos"));
            }
            for (int i = 0; i < 6; i++) {
                ZooKeeperLocks l = locks.get(i % 3);
                Thread t = new Thread(() -> work(l, key, resource, failedAcquisitions),
                        "chaos-worker-" + i);
                workers.add(t);
                t.start();
            }
            Random random = new Random();
            List<InstanceSpec> servers = new ArrayList<>(cluster.getInstances());
            for (int round = 0; round < 6; round++) {
                awaitProgress(resource, 20);
                if (round % 2 == 0) {
                    InstanceSpec victim = servers.get(random.nextInt(servers.size()));
                    assertTrue(cluster.killServer(victim));
                    awaitProgress(resource, 20);
                    assertTrue(cluster.restartServer(victim));
                } else {
                    clients.get(random.nextInt(clients.size())).getZookeeperClient()
                            .getZooKeeper().getTestable().injectSessionExpiration();
                }
            }
            Await.until(SECTIONS + " increments", Duration.ofSeconds(60),
                    () -> resource.counter() >= SECTIONS);
            workers.forEach(Thread::interrupt);
            for (Thread t : workers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertTrue(!t.isAlive(), t.getName() + " did not stop");
            }
            assertEquals(List.of(), resource.violations);
            assertTrue(resource.counter() >= SECTIONS, resource.counter() + " increments");
            ZkTestSupport.awaitNoChildren(clients.get(1), locks.get(1).lockPath(key));
        } finally {
            workers.forEach(Thread::interrupt);
            clients.forEach(CuratorFramework::close);
            delays.shutdownNow();
        }
    }

    private static void awaitProgress(Resource resource, int increments) {
        int target = resource.counter() + increments;
        Await.until(target + " increments", Duration.ofSeconds(60),
                () -> resource.counter() >= target);
    }

    /** Takes the lock, increments, releases; until interrupted. Failures are chaos, not bugs. */
    private static void work(ZooKeeperLocks locks, String key, Resource resource,
            AtomicInteger failures) {
        while (!Thread.currentThread().isInterrupted()) {
            ZooKeeperHandle h;
            CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofSeconds(5));
            try {
                h = (ZooKeeperHandle) f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                failures.incrementAndGet();
                continue;
            } catch (InterruptedException e) {
                f.cancel(false); // a grant that comes later is released by the recipe
                return;
            } catch (Exception e) {
                throw new AssertionError("acquire did not end within 60 s", e);
            }
            resource.enter(h);
            resource.increment(h);
            resource.leave(h);
            h.release();
        }
    }
}
