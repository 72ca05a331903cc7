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
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

/**
 * A three-server ensemble under repeated server kills and injected session expiries, with three
 * clients (one with a slow completion executor, whose session is replaced three times) and eight
 * workers taking one key hundreds of times: never two valid handles at once, and fencing tokens
 * grow with every grant.
 */
class ZooKeeperChaosTest {
    private static final int SECTIONS = 300;
    /** The sessions' timeout is 3 s: a hold this long outlives a replaced session's node. */
    private static final long HOLD_PAST_EXPIRY_MS = 3_500;
    private static final long SOON_AFTER_EXPIRY = TimeUnit.SECONDS.toNanos(2);

    private final AtomicLong slowExpiredAt = new AtomicLong(System.nanoTime() - SOON_AFTER_EXPIRY);

    /** The guarded resource: a counter that checks the lock's promises at each increment. */
    private static final class Resource {
        private final List<ZooKeeperHandle> live = new ArrayList<>();
        private final List<String> violations = new ArrayList<>();
        private long highestToken;
        private ZooKeeperHandle lastWriter;
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
            if (h.fencingToken() < highestToken
                    || (h.fencingToken() == highestToken && h != lastWriter)) {
                violations.add("token " + h.fencingToken() + " after " + highestToken);
            }
            highestToken = h.fencingToken();
            lastWriter = h;
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
        // Slow but correct, as in the session-replaced test: every task 0 to 100 ms late.
        Executor late = task -> delays.schedule(task, ThreadLocalRandom.current().nextInt(101),
                TimeUnit.MILLISECONDS);
        List<CuratorFramework> clients = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        Resource resource = new Resource();
        AtomicInteger failedAcquisitions = new AtomicInteger();
        String key = "chaos-" + UUID.randomUUID();
        List<InstanceSpec> specs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // A short tick, so that a 3 s session is granted as asked (sessions are 2 to 20 ticks).
            specs.add(new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1));
        }
        try (TestingCluster cluster = new TestingCluster(specs)) {
            cluster.start();
            List<ZooKeeperLocks> locks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                CuratorFramework c = ZkTestSupport.client(cluster.getConnectString(), 3000);
                c.blockUntilConnected(30, TimeUnit.SECONDS);
                clients.add(c);
                locks.add(i == 0 ? ZooKeeperLocks.builder(c, "/chaos").completionExecutor(late)
                        .build() : ZooKeeperLocks.create(c, "/chaos"));
            }
            for (int i = 0; i < 8; i++) {
                boolean slow = i < 4; // four workers on the client with the slow executor
                ZooKeeperLocks l = locks.get(slow ? 0 : i % 2 + 1);
                Thread t = new Thread(() -> work(l, slow, key, resource, failedAcquisitions),
                        "chaos-worker-" + i);
                workers.add(t);
                t.start();
            }
            Random random = new Random();
            List<InstanceSpec> servers = new ArrayList<>(cluster.getInstances());
            String[] actions = {"kill", "expire-slow", "kill", "expire-slow", "expire-other",
                "kill", "expire-slow"};
            for (String action : actions) {
                awaitProgress(resource, 20);
                switch (action) {
                    case "kill" -> {
                        InstanceSpec victim = servers.get(random.nextInt(servers.size()));
                        assertTrue(cluster.killServer(victim));
                        awaitProgress(resource, 20);
                        assertTrue(cluster.restartServer(victim));
                    }
                    case "expire-slow" -> {
                        slowExpiredAt.set(System.nanoTime());
                        expire(clients.get(0));
                    }
                    default -> expire(clients.get(1 + random.nextInt(2)));
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

    private static void expire(CuratorFramework client) throws Exception {
        client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
    }

    private static void awaitProgress(Resource resource, int increments) {
        int target = resource.counter() + increments;
        Await.until(target + " increments", Duration.ofSeconds(60),
                () -> resource.counter() >= target);
    }

    /**
     * Takes the lock, increments, releases; until interrupted. Failures are chaos, not bugs. A
     * worker of the slow client granted soon after its session was replaced holds the lock past
     * the old session's expiry on the server: had it been granted its old session's node, the
     * server would now remove that node and grant another client while this handle is valid.
     */
    private void work(ZooKeeperLocks locks, boolean slow, String key, Resource resource,
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
            try {
                resource.increment(h);
                if (slow && System.nanoTime() - slowExpiredAt.get() < SOON_AFTER_EXPIRY) {
                    Thread.sleep(HOLD_PAST_EXPIRY_MS); // a long critical section
                    resource.increment(h);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                resource.leave(h);
                h.release();
            }
        }
    }
}
