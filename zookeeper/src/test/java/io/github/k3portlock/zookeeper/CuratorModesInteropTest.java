package io.github.k3portlock.zookeeper;

import static io.github.k3portlock.async.contract.AsyncLocksContract.failureOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.PortlockTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shared holds and permits of {@link ZooKeeperLocks} with Curator's own recipes in the same test,
 * each on its own client (its own session, as another process would have): Curator's
 * {@code InterProcessReadWriteLock} and {@code InterProcessSemaphoreV2} exclude and count
 * together with this backend, both ways.
 */
class CuratorModesInteropTest {
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = new ZooKeeperServerExtension();
    private static final Duration SHORT = Duration.ofMillis(200);
    private static final Duration LONG = Duration.ofSeconds(20);

    private static CuratorFramework ours;
    private static CuratorFramework theirs;
    private static ZooKeeperLocks locks;
    /** Curator's locks are owned by the thread that took them: one thread does all of it. */
    private static ExecutorService curatorThread;

    @BeforeAll
    static void connect() {
        ours = ZK.client(10_000);
        theirs = ZK.client(10_000);
        locks = ZooKeeperLocks.builder(ours, "/interop-modes")
                .layout(ZooKeeperLocks.Layout.READ_WRITE).build();
        curatorThread = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stop() {
        curatorThread.shutdownNow();
    }

    private static String freshKey() {
        return "rw-" + UUID.randomUUID();
    }

    /** Runs a Curator call on the Curator thread and waits for its answer. */
    private static <T> T curator(Callable<T> call) throws Exception {
        Future<T> f = curatorThread.submit(call);
        return f.get(30, TimeUnit.SECONDS);
    }

    private static LockHandle take(String key, LockMode mode) throws Exception {
        return locks.acquire(key, mode, LONG).get(30, TimeUnit.SECONDS);
    }

    @Test
    void curatorsWriteLockExcludesOurReadersAndWriters() throws Exception {
        String key = freshKey();
        InterProcessReadWriteLock rw = new InterProcessReadWriteLock(theirs, locks.lockPath(key));
        assertTrue(curator(() -> rw.writeLock().acquire(10, TimeUnit.SECONDS)));
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks.acquire(key, LockMode.SHARED, SHORT)));
        assertInstanceOf(PortlockTimeoutException.class, failureOf(locks.acquire(key, SHORT)));
        CompletableFuture<LockHandle> reader = locks.acquire(key, LockMode.SHARED, LONG);
        curator(() -> {
            rw.writeLock().release();
            return null;
        });
        reader.get(10, TimeUnit.SECONDS).release();
        ZkTestSupport.awaitNoChildren(ours, locks.lockPath(key));
    }

    @Test
    void ourWriteLockExcludesCuratorsReadersAndWriters() throws Exception {
        String key = freshKey();
        LockHandle writer = take(key, LockMode.EXCLUSIVE);
        List<String> nodes = ZkTestSupport.children(ours, locks.lockPath(key));
        assertEquals(1, nodes.size());
        assertTrue(nodes.get(0).matches("_c_[0-9a-f-]{36}-__WRIT__\\d{10}"), nodes.toString());
        InterProcessReadWriteLock rw = new InterProcessReadWriteLock(theirs, locks.lockPath(key));
        assertFalse(curator(() -> rw.readLock().acquire(200, TimeUnit.MILLISECONDS)));
        assertFalse(curator(() -> rw.writeLock().acquire(200, TimeUnit.MILLISECONDS)));
        writer.release();
        assertTrue(curator(() -> rw.writeLock().acquire(10, TimeUnit.SECONDS)));
        curator(() -> {
            rw.writeLock().release();
            return null;
        });
        ZkTestSupport.awaitNoChildren(ours, locks.lockPath(key));
    }

    @Test
    void readersOfBothHoldTogetherAndExcludeBothWriters() throws Exception {
        String key = freshKey();
        InterProcessReadWriteLock rw = new InterProcessReadWriteLock(theirs, locks.lockPath(key));
        LockHandle reader = take(key, LockMode.SHARED);
        assertTrue(ZkTestSupport.children(ours, locks.lockPath(key)).get(0).contains("__READ__"));
        assertTrue(curator(() -> rw.readLock().acquire(10, TimeUnit.SECONDS)),
                "Curator's reader waits for ours");
        assertFalse(curator(() -> rw.writeLock().acquire(200, TimeUnit.MILLISECONDS)));
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks.acquire(key, LockMode.EXCLUSIVE, SHORT)));
        reader.release();
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks.acquire(key, LockMode.EXCLUSIVE, SHORT)), "Curator still reads");
        curator(() -> {
            rw.readLock().release();
            return null;
        });
        take(key, LockMode.EXCLUSIVE).release();
        ZkTestSupport.awaitNoChildren(ours, locks.lockPath(key));
    }

    @Test
    void ourWaitingWriterQueuesCuratorsLaterReaders() throws Exception {
        String key = freshKey();
        InterProcessReadWriteLock rw = new InterProcessReadWriteLock(theirs, locks.lockPath(key));
        assertTrue(curator(() -> rw.readLock().acquire(10, TimeUnit.SECONDS)));
        CompletableFuture<LockHandle> writer = locks.acquire(key, LockMode.EXCLUSIVE, LONG);
        ZkTestSupport.awaitTrue("our write node exists", Duration.ofSeconds(10),
                () -> childrenOf(key).size() == 2);
        InterProcessReadWriteLock later = new InterProcessReadWriteLock(theirs,
                locks.lockPath(key));
        assertFalse(curator(() -> later.readLock().acquire(300, TimeUnit.MILLISECONDS)),
                "a later Curator reader got in beside our waiting writer");
        curator(() -> {
            rw.readLock().release();
            return null;
        });
        writer.get(10, TimeUnit.SECONDS).release();
        ZkTestSupport.awaitNoChildren(ours, locks.lockPath(key));
    }

    @Test
    void permitsCountTogetherWithCuratorsSemaphoreBothWays() throws Exception {
        String key = freshKey();
        InterProcessSemaphoreV2 sem = new InterProcessSemaphoreV2(theirs,
                locks.semaphorePath(key), 2);
        Lease theirLease = curator(() -> sem.acquire(10, TimeUnit.SECONDS));
        assertNotNull(theirLease);
        LockHandle mine = locks.acquirePermit(key, 2, LONG).get(10, TimeUnit.SECONDS);
        List<String> leases = ZkTestSupport.children(ours, locks.semaphorePath(key) + "/leases");
        assertEquals(2, leases.size());
        assertTrue(leases.stream().allMatch(n -> n.matches("_c_[0-9a-f-]{36}-lease-\\d{10}")),
                leases.toString());
        assertNull(curator(() -> sem.acquire(200, TimeUnit.MILLISECONDS)), "a third permit");
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(locks.acquirePermit(key, 2, SHORT)));
        CompletableFuture<LockHandle> waiting = locks.acquirePermit(key, 2, LONG);
        curator(() -> {
            sem.returnLease(theirLease);
            return null;
        });
        LockHandle second = waiting.get(10, TimeUnit.SECONDS);
        assertNull(curator(() -> sem.acquire(200, TimeUnit.MILLISECONDS)), "ours hold both");
        mine.release();
        Lease again = curator(() -> sem.acquire(10, TimeUnit.SECONDS));
        assertNotNull(again, "Curator takes the permit ours let go");
        curator(() -> {
            sem.returnLease(again);
            return null;
        });
        second.release();
        ZkTestSupport.awaitNoChildren(ours, locks.semaphorePath(key) + "/leases");
        ZkTestSupport.awaitNoChildren(ours, locks.semaphorePath(key) + "/locks");
    }

    @Test
    void theMutexLayoutRefusesSharedAndExcludesCuratorsMutex() throws Exception {
        String key = freshKey();
        ZooKeeperLocks mutexLayout = ZooKeeperLocks.create(ours, "/interop-modes");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> mutexLayout.acquire(key, LockMode.SHARED, LONG));
        assertTrue(e.getMessage().contains("READ_WRITE"), e.getMessage());
        InterProcessMutex mutex = new InterProcessMutex(theirs, mutexLayout.lockPath(key));
        assertTrue(curator(() -> mutex.acquire(10, TimeUnit.SECONDS)));
        assertInstanceOf(PortlockTimeoutException.class,
                failureOf(mutexLayout.acquire(key, LockMode.EXCLUSIVE, SHORT)));
        curator(() -> {
            mutex.release();
            return null;
        });
        mutexLayout.acquire(key, LockMode.EXCLUSIVE, LONG).get(10, TimeUnit.SECONDS).release();
        ZkTestSupport.awaitNoChildren(ours, locks.lockPath(key));
    }

    private static List<String> childrenOf(String key) {
        try {
            return ZkTestSupport.children(ours, locks.lockPath(key));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
