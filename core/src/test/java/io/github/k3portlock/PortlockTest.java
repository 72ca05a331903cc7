package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.allPortsFree;
import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PortlockTest {

    @Test
    void tryLockReleaseAndHasLocked() {
        String key = PortFixtures.freePorts().key();
        Portlock lock = new Portlock(key);
        assertFalse(lock.hasLocked());
        assertTrue(lock.tryLock());
        assertTrue(lock.hasLocked());
        assertFalse(allPortsFree(lock.lockPorts()));
        lock.release();
        assertFalse(lock.hasLocked());
        assertTrue(allPortsFree(lock.lockPorts()), "release must close every port");
        lock.release(); // no-op when nothing is held
        assertFalse(lock.hasLocked());
    }

    /** The original's test_mem_test: two instances of one key exclude each other. */
    @Test
    void twoInstancesOfOneKeyExcludeEachOther() {
        String key = PortFixtures.freePorts().key();
        try (Portlock a = new Portlock(key); Portlock b = new Portlock(key)) {
            assertTrue(a.tryLock());
            assertFalse(b.tryLock());
            assertFalse(b.hasLocked(), "another instance never reports the lock as its own");
            b.release(); // releasing an instance that holds nothing does not free a's lock
            assertFalse(b.tryLock());
            a.release();
            assertTrue(b.tryLock());
            assertFalse(a.tryLock());
        }
    }

    /** Regression: the original deadlocks after try_lock twice and release once. */
    @Test
    void secondTryLockByTheOwnerIsNotCountedAndOneReleaseFrees() {
        String key = PortFixtures.freePorts().key();
        Portlock lock = new Portlock(key);
        long fds = PortFixtures.openFds();
        assertTrue(lock.tryLock());
        assertTrue(lock.tryLock(), "the owner already holds it");
        lock.acquire(); // returns at once, same reason
        assertEquals(fds + 2 + PortFixtures.nameSockets(lock.lockPorts()), PortFixtures.openFds(),
                "still exactly one quorum of sockets");
        lock.release();
        assertFalse(lock.hasLocked());
        try (Portlock other = new Portlock(key)) {
            assertTrue(other.tryLock(), "one release frees the lock");
        }
        assertEquals(fds, PortFixtures.openFds());
    }

    @Test
    void tryWithResourcesReleases() {
        String key = PortFixtures.freePorts().key();
        LockPorts ports;
        try (Portlock lock = new Portlock(key, Duration.ofSeconds(3))) {
            lock.acquire();
            ports = lock.lockPorts();
            assertTrue(lock.hasLocked());
        }
        assertTrue(allPortsFree(ports));
    }

    @Test
    void anotherThreadCannotReleaseTheOwnersLock() throws Exception {
        String key = PortFixtures.freePorts().key();
        Portlock lock = new Portlock(key);
        assertTrue(lock.tryLock());
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            Future<Boolean> tried = other.submit(lock::tryLock);
            assertFalse(tried.get(), "a thread sharing the instance sees it held");
            Future<?> released = other.submit(lock::release);
            Exception e = assertThrows(Exception.class, released::get);
            assertTrue(e.getCause() instanceof IllegalMonitorStateException, e.toString());
            assertTrue(lock.hasLocked());
        } finally {
            other.shutdownNow();
            lock.release();
        }
        assertFalse(lock.hasLocked());
    }

    /** The original's thread tests: one lock shared by 3 threads gives mutual exclusion. */
    @Test
    void threeThreadsSharingOneInstance() throws Exception {
        Portlock shared = new Portlock(PortFixtures.freePorts().key(), Duration.ofSeconds(60),
                Duration.ofMillis(1));
        runSections(3, 300, i -> shared);
        assertFalse(shared.hasLocked());
        assertTrue(allPortsFree(shared.lockPorts()));
    }

    /** The original's thread tests: 10 threads x 1000 sections, one instance per thread. */
    @Test
    void tenThreadsEachWithItsOwnInstance() throws Exception {
        String key = PortFixtures.freePorts().key();
        List<Portlock> locks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            locks.add(new Portlock(key, Duration.ofSeconds(120), Duration.ofMillis(1)));
        }
        runSections(10, 1000, locks::get);
        assertTrue(allPortsFree(locks.get(0).lockPorts()));
    }

    interface LockFor {
        Portlock get(int thread);
    }

    private static void runSections(int threads, int sections, LockFor lockFor) throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] counter = {0}; // deliberately unsynchronised: the lock must order the updates
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Portlock lock = lockFor.get(t);
            done.add(pool.submit(() -> {
                start.await();
                for (int s = 0; s < sections; s++) {
                    lock.acquire();
                    try {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        counter[0] = counter[0] + 1;
                        inside.decrementAndGet();
                    } finally {
                        lock.release();
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertEquals(0, overlaps.get(), "two holders were inside at once");
        assertEquals(threads * sections, counter[0], "lost updates");
    }

    /** The original's sleep_time test: a long sleep time never stretches the timeout. */
    @Test
    void sleepTimeDoesNotStretchTheTimeout() {
        String key = PortFixtures.freePorts().key();
        try (Portlock holder = new Portlock(key)) {
            assertTrue(holder.tryLock());
            Portlock waiter = new Portlock(key, Duration.ofMillis(300), Duration.ofSeconds(10));
            long t0 = System.nanoTime();
            PortlockTimeoutException e = assertThrows(PortlockTimeoutException.class, waiter::acquire);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 290 && ms < 3000, "waited " + ms + " ms for a 300 ms timeout");
            assertEquals(key, e.key());
            assertTrue(e.waited().toMillis() >= 290, e.waited().toString());
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains(
                    String.valueOf(holder.lockPorts().basePort())), e.getMessage());
            assertFalse(waiter.hasLocked());
        }
    }

    @Test
    void acquireWaitsForARelease() throws Exception {
        String key = PortFixtures.freePorts().key();
        Portlock holder = new Portlock(key);
        assertTrue(holder.tryLock());
        Portlock waiter = new Portlock(key, Duration.ofSeconds(30));
        Throwable[] failure = new Throwable[1];
        Thread thread = new Thread(() -> {
            try {
                waiter.acquire();
                waiter.release();
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        thread.start();
        // The waiter has missed at least once and is pausing before its next attempt: parked, or
        // reading on its line to the holder's port (the wake on release).
        PortFixtures.await("the waiter to pause between attempts", Duration.ofSeconds(10),
                () -> thread.getState() == Thread.State.TIMED_WAITING
                        || io.github.k3portlock.testkit.Tcp.connectionsTo(
                                holder.lockPorts().numbers()).size() == 1);
        assertFalse(waiter.hasLocked());
        holder.release();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(thread.isAlive(), "the waiter never got the released lock");
        assertEquals(null, failure[0]);
    }

    @Test
    void aLockLeftByADeadThreadCanBeReleasedByAnother() throws Exception {
        String key = PortFixtures.freePorts().key();
        Portlock lock = new Portlock(key);
        Thread owner = new Thread(() -> assertTrue(lock.tryLock()));
        owner.start();
        owner.join();
        assertTrue(lock.hasLocked(), "the lock outlives its thread");
        assertFalse(lock.tryLock(), "still held on behalf of the dead thread");
        lock.release(); // allowed: the owner is dead
        assertFalse(lock.hasLocked());
        assertTrue(lock.tryLock());
        lock.release();
    }

    @Test
    void aHugeTimeoutMeansForever() {
        String key = PortFixtures.freePorts().key();
        try (Portlock lock = new Portlock(key, Duration.ofSeconds(Long.MAX_VALUE))) {
            lock.acquire();
            assertTrue(lock.hasLocked());
        }
    }

    @Test
    void zeroTimeoutIsOneAttempt() {
        String key = PortFixtures.freePorts().key();
        try (Portlock holder = new Portlock(key)) {
            assertTrue(holder.tryLock());
            Portlock waiter = new Portlock(key, Duration.ZERO);
            assertThrows(PortlockTimeoutException.class, waiter::acquire);
        }
        Portlock free = new Portlock(key, Duration.ZERO);
        free.acquire();
        assertTrue(free.hasLocked());
        free.release();
    }

    @Test
    void interruptedWaitThrowsAndKeepsTheInterruptStatus() throws Exception {
        String key = PortFixtures.freePorts().key();
        try (Portlock holder = new Portlock(key)) {
            assertTrue(holder.tryLock());
            Portlock waiter = new Portlock(key, Duration.ofSeconds(30));
            Thread.currentThread().interrupt();
            PortlockException e = assertThrows(PortlockException.class, waiter::acquire);
            assertTrue(Thread.interrupted(), "interrupt status must be kept");
            assertTrue(e.getCause() instanceof InterruptedException);
            assertFalse(waiter.hasLocked());
        }
    }

    @Test
    void builderOptions() {
        String key = PortFixtures.freePorts().key();
        PortScheme wide = PortScheme.builder().wideLoopback(true).build();
        try (Portlock lock = Portlock.builder(key).scheme(wide).timeout(Duration.ofMillis(50))
                .sleepTime(Duration.ofMillis(5)).build()) {
            assertEquals(wide.lockPorts(key), lock.lockPorts());
            lock.acquire();
            assertTrue(lock.hasLocked());
            try (Portlock same = Portlock.builder(key).scheme(wide).build();
                 Portlock narrow = new Portlock(key)) {
                assertFalse(same.tryLock());
                assertTrue(narrow.tryLock(), "another scheme is another lock");
            }
        }
    }
}
