package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.awaitFds;
import static io.github.k3portlock.async.FutureFixtures.awaitFree;
import static io.github.k3portlock.async.FutureFixtures.failure;
import static io.github.k3portlock.async.FutureFixtures.get;
import static io.github.k3portlock.async.FutureFixtures.isFree;
import static io.github.k3portlock.async.FutureFixtures.key;
import static io.github.k3portlock.async.FutureFixtures.ms;
import static io.github.k3portlock.async.FutureFixtures.openFds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.PortBinder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour on real schedulers and real ports: each test names what it proves. */
class AsyncPortlockTest {
    private final String key = key();
    private final LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
    private final CountingBinder binder = new CountingBinder(ports.basePort(), null);
    private final AsyncPortlock locks = AsyncPortlock.builder()
            .build(Tuning.DEFAULT.withBinder(binder));
    private final Portlock foreign = new Portlock(key);
    private long fdsBefore;

    @BeforeEach
    void countFds() {
        fdsBefore = openFds();
    }

    @AfterEach
    void nothingLeaks() {
        foreign.release();
        await("every socket this instance bound is closed", () -> binder.openNow() == 0);
        awaitFree(key);
        awaitFds(fdsBefore);
        await("no waiter left queued", () -> locks.pending.get() == 0);
    }

    private void holdForeign() {
        await("a foreign holder takes '" + key + "'", foreign::tryLock);
    }

    @Test
    void acquiresAFreeLockAndReleasesIt() throws Exception {
        LockHandle h = get(locks.acquire(key));
        assertTrue(h.isValid());
        assertEquals(key, h.key());
        assertEquals(2, h.ports().size());
        assertTrue(ports.numbers().containsAll(h.ports()));
        assertFalse(foreign.tryLock(), "held against a blocking Portlock too");
        h.release();
        assertFalse(h.isValid());
        assertTrue(isFree(ports));
    }

    @Test
    void waitsWhileHeldElsewhereAndGetsTheLockWhenReleased() throws Exception {
        holdForeign();
        CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofSeconds(60));
        await("a few attempts were made", () -> binder.attempts.get() >= 3);
        assertFalse(f.isDone(), "still waiting while the lock is held elsewhere");
        foreign.release();
        LockHandle h = get(f);
        assertTrue(h.isValid());
        assertFalse(foreign.tryLock());
        h.close();
        assertFalse(h.isValid());
    }

    @Test
    void timesOutWithTheKeyAndTheWaitedTime() {
        holdForeign();
        long start = System.nanoTime();
        PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class,
                failure(locks.acquire(key, ms(150))));
        long took = System.nanoTime() - start;
        assertEquals(key, e.key());
        assertTrue(e.waited().compareTo(ms(150)) >= 0, "waited " + e.waited());
        assertTrue(took >= ms(150).toNanos(), "not before the deadline");
        assertTrue(took < ms(150).plusSeconds(2).toNanos(), "at the deadline, not much later: took "
                + took / 1_000_000 + " ms");
        assertTrue(e.waited().compareTo(ms(150).plusSeconds(2)) < 0, "waited " + e.waited());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aTimeoutBehindAHandleOfTheSameInstanceSaysSoInItsMessage() throws Exception {
        java.time.Instant before = java.time.Instant.now();
        LockHandle mine = get(locks.acquire(key, ms(0)));
        java.time.Instant after = java.time.Instant.now();
        for (Duration timeout : List.of(ms(0), ms(100))) {
            PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class,
                    failure(locks.acquire(key, timeout)));
            String m = e.getMessage();
            assertEquals(key, e.key());
            assertTrue(m.contains("timed out") && m.contains(key), m);
            String said = "held by a handle of this AsyncPortlock, acquired at ";
            assertTrue(m.contains(said), m);
            String at = m.substring(m.indexOf(said) + said.length()).split("[ )]")[0];
            java.time.Instant acquiredAt = java.time.Instant.parse(at);
            assertFalse(acquiredAt.isBefore(before) || acquiredAt.isAfter(after),
                    acquiredAt + " not within [" + before + ", " + after + "]");
        }
        mine.release();
        // Held by an outsider, the message does not blame this instance.
        holdForeign();
        PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class,
                failure(locks.acquire(key, ms(20))));
        assertFalse(e.getMessage().contains("held by a handle"), e.getMessage());
    }

    @Test
    void thePublicBuilderShowsOnlyWhatUsersSet() {
        java.util.Set<String> shown = new java.util.TreeSet<>();
        for (java.lang.reflect.Method m : AsyncPortlock.Builder.class.getDeclaredMethods()) {
            if (java.lang.reflect.Modifier.isPublic(m.getModifiers())) {
                shown.add(m.getName());
            }
        }
        assertEquals(java.util.Set.of("build", "completionExecutor", "firstDelay", "scheduler",
                "scheme", "sleepTime"), shown);
    }

    @Test
    void cancelStopsTheWaitAndLeavesNothingBehind() {
        holdForeign();
        CompletableFuture<LockHandle> f = locks.acquire(key);
        await("the waiter is polling", () -> binder.attempts.get() >= 2);
        assertTrue(f.cancel(true));
        assertInstanceOf(CancellationException.class, failure(f));
        await("the poller retired", () -> locks.activeKeys() == 0);
        long attempts = binder.attempts.get();
        foreign.release();
        // The lock is free now; a live waiter would take it. Nobody does: a fresh acquisition
        // finds it free at once.
        awaitFree(key);
        assertEquals(attempts, binder.attempts.get(), "no attempt after the cancellation");
    }

    @Test
    void orTimeoutStopsTheWait() {
        holdForeign();
        CompletableFuture<LockHandle> f = locks.acquire(key).orTimeout(100, TimeUnit.MILLISECONDS);
        assertInstanceOf(TimeoutException.class, failure(f));
        await("the poller retired", () -> locks.activeKeys() == 0);
        assertEquals(0, locks.pending.get());
    }

    @Test
    void completeExceptionallyStopsTheWait() {
        holdForeign();
        CompletableFuture<LockHandle> f = locks.acquire(key);
        IllegalStateException mine = new IllegalStateException("shutting down");
        assertTrue(f.completeExceptionally(mine));
        assertSame(mine, failure(f));
        await("the poller retired", () -> locks.activeKeys() == 0);
    }

    @Test
    void thenComposeChainsTakeTheLockInTurn() throws Exception {
        List<String> trace = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<String> chain = locks.acquire(key)
                .thenCompose(h -> CompletableFuture.supplyAsync(() -> {
                    trace.add("first holds=" + !isFree(ports));
                    return "a";
                }).whenComplete((v, e) -> h.release()))
                .thenCompose(a -> locks.acquire(key, Duration.ofSeconds(10))
                        .thenApply(h -> {
                            trace.add("second holds=" + h.isValid());
                            h.release();
                            return a + "b";
                        }));
        assertEquals("ab", get(chain));
        assertEquals(List.of("first holds=true", "second holds=true"), trace);
    }

    @Test
    void aHandleCanBeReleasedFromAnotherThreadAndTwiceWithoutHarm() throws Exception {
        LockHandle h = get(locks.acquire(key));
        Thread t = new Thread(h::release, "releaser");
        t.start();
        t.join(FutureFixtures.PATIENCE.toMillis());
        assertFalse(h.isValid());
        assertTrue(isFree(ports));
        h.release();
        h.close();
        assertFalse(h.isValid());
    }

    @Test
    void releaseHandsTheLockToTheNextLocalWaiterAtOnceWithoutBinding() throws Exception {
        LockHandle first = get(locks.acquire(key));
        CompletableFuture<LockHandle> next = locks.acquire(key, Duration.ofSeconds(60));
        long attempts = binder.attempts.get();
        assertFalse(next.isDone());
        first.release();
        LockHandle second = get(next);
        assertEquals(attempts, binder.attempts.get(), "handed over, not bound again");
        assertNotSame(first, second);
        assertFalse(first.isValid());
        assertTrue(second.isValid());
        assertEquals(first.ports(), second.ports());
        first.release(); // the old handle cannot release the new holder's lock
        assertTrue(second.isValid());
        assertFalse(foreign.tryLock(), "the lock never left this JVM");
        second.release();
    }

    @Test
    void localWaitersAreServedFirstInFirstOutSkippingCancelledOnes() throws Exception {
        LockHandle first = get(locks.acquire(key));
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<LockHandle>> waiters = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            int n = i;
            CompletableFuture<LockHandle> f = locks.acquire(key);
            waiters.add(f);
            f.thenAccept(h -> {
                order.add(n);
                h.release();
            });
        }
        waiters.get(2).cancel(false);
        waiters.get(4).completeExceptionally(new IllegalStateException("gave up"));
        first.release();
        await("every live waiter was served", () -> order.size() == 4);
        assertEquals(List.of(0, 1, 3, 5), order);
        assertTrue(waiters.get(2).isCancelled());
        awaitFree(key);
    }

    @Test
    void callbacksRunOnTheCompletionPoolNotOnTheSchedulerOrTheReleasingThread() throws Exception {
        AsyncPortlock shared = AsyncPortlock.create();
        assertSame(shared, AsyncPortlock.create(), "one default instance");
        holdForeign();
        CompletableFuture<String> polled = shared.acquire(key).thenApply(h -> {
            String name = Thread.currentThread().getName();
            h.release();
            return name;
        });
        foreign.release();
        assertTrue(get(polled).startsWith("k3portlock-async-completion-"), get(polled));

        LockHandle h = get(shared.acquire(key));
        CompletableFuture<String> handedOver = shared.acquire(key).thenApply(next -> {
            String name = Thread.currentThread().getName();
            next.release();
            return name;
        });
        h.release();
        assertTrue(get(handedOver).startsWith("k3portlock-async-completion-"), get(handedOver));
    }

    @Test
    void timeoutsAndFailuresAreCompletedOffTheSchedulerThread() throws Exception {
        ScheduledThreadPoolExecutor mine = new ScheduledThreadPoolExecutor(1,
                r -> new Thread(r, "test-scheduler"));
        mine.setRemoveOnCancelPolicy(true);
        java.util.concurrent.atomic.AtomicBoolean broken = new java.util.concurrent.atomic.AtomicBoolean();
        PortBinder breaksOnDemand = PortBinder.binding((ch, address, backlog) -> {
            if (broken.get()) {
                throw new IOException("Too many open files");
            }
            binder.bind(ch, address, backlog);
        });
        try {
            AsyncPortlock custom = AsyncPortlock.builder().scheduler(mine)
                    .build(Tuning.DEFAULT.withBinder(breaksOnDemand));
            holdForeign();
            // Callbacks attached while the futures are pending run on whichever thread completes them.
            CompletableFuture<String> timedOut = custom.acquire(key, ms(300))
                    .handle((h, e) -> Thread.currentThread().getName() + " " + e);
            CompletableFuture<String> failed = custom.acquire(key)
                    .handle((h, e) -> Thread.currentThread().getName() + " " + e);
            CompletableFuture<String> timedOutFirst = timedOut.thenApply(s -> {
                broken.set(true); // the next attempt, on the scheduler thread, fails for good
                return s;
            });
            String t = get(timedOutFirst);
            String f = get(failed);
            assertTrue(t.startsWith("k3portlock-async-completion-") && t.contains("PortlockTimeoutException"), t);
            assertTrue(f.startsWith("k3portlock-async-completion-") && f.contains("Too many open files"), f);
        } finally {
            mine.shutdown();
            assertTrue(mine.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void callbacksRunOnAUserExecutorWhenOneIsGiven() throws Exception {
        ExecutorService mine = Executors.newSingleThreadExecutor(r -> new Thread(r, "mine"));
        try {
            AsyncPortlock custom = AsyncPortlock.builder().completionExecutor(mine).build();
            holdForeign();
            CompletableFuture<String> f = custom.acquire(key).thenApply(h -> {
                h.release();
                return Thread.currentThread().getName();
            });
            foreign.release();
            assertEquals("mine", get(f));
        } finally {
            mine.shutdown();
        }
    }

    @Test
    void aBlockingCallbackDoesNotStallOtherWaiters() throws Exception {
        AsyncPortlock shared = AsyncPortlock.create();
        CountDownLatch unblock = new CountDownLatch(1);
        AtomicReference<String> blockedOn = new AtomicReference<>();
        String other = key();
        holdForeign(); // so that the callback is attached before the future completes
        CompletableFuture<Void> blocked = shared.acquire(key).thenAccept(h -> {
            blockedOn.set(Thread.currentThread().getName());
            try {
                unblock.await(FutureFixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS); // a user's blocking callback
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                h.release();
            }
        });
        try {
            foreign.release();
            await("the blocking callback is running", () -> blockedOn.get() != null);
            assertTrue(blockedOn.get().startsWith("k3portlock-async-completion-"), blockedOn.get());
            get(shared.acquire(other)).release(); // completed through the pool meanwhile
            assertFalse(blocked.isDone(), "the first callback is still blocked");
        } finally {
            unblock.countDown();
        }
        get(blocked);
        awaitFree(other);
    }

    @Test
    void aSameThreadCompletionExecutorHandsOverThousandsWithoutDeepRecursion() throws Exception {
        AsyncPortlock inline = AsyncPortlock.builder().completionExecutor(Runnable::run)
                .build(Tuning.DEFAULT.withBinder(binder));
        LockHandle first = get(inline.acquire(key));
        int n = 5_000;
        AtomicInteger served = new AtomicInteger();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(inline.acquire(key).thenAccept(h -> {
                served.incrementAndGet();
                h.release(); // hands over to the next one from inside this callback
            }));
        }
        first.release();
        get(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
        assertEquals(n, served.get());
        assertTrue(isFree(ports));
    }

    @Test
    void aSameThreadExecutorCallbackMayJoinAnotherAcquisition() throws Exception {
        AsyncPortlock inline = AsyncPortlock.builder().completionExecutor(Runnable::run)
                .build(Tuning.DEFAULT.withBinder(binder));
        String other = key();
        holdForeign();
        CompletableFuture<Boolean> nested = inline.acquire(key).thenApply(h -> {
            // Blocking inside a callback is the caller's choice; it must not deadlock on a
            // delivery that this very thread would have to run.
            LockHandle o = inline.acquire(other).orTimeout(20, TimeUnit.SECONDS).join();
            boolean both = o.isValid() && h.isValid();
            o.release();
            h.release();
            return both;
        });
        foreign.release();
        assertTrue(get(nested));
        awaitFree(other);
    }

    @Test
    void mutualExclusionAndVisibilityAcrossExecutorThreads() throws Exception {
        int[] plain = {0}; // deliberately not volatile: the lock must order the increments
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int n = 400;
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(locks.withLock(key, Duration.ofSeconds(60), h -> CompletableFuture.runAsync(() -> {
                if (inside.incrementAndGet() != 1) {
                    overlaps.incrementAndGet();
                }
                plain[0]++;
                inside.decrementAndGet();
            })));
        }
        get(CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])));
        assertEquals(0, overlaps.get());
        assertEquals(n, plain[0]);
    }

    @Test
    void anAddressThatIsNotLocalFailsAtOnceNotAsATimeout() {
        AsyncPortlock elsewhere = AsyncPortlock.builder()
                .scheme(PortScheme.builder().host("192.0.2.1").allowNonLoopback().build()).build(); // TEST-NET-1
        long start = System.nanoTime();
        PortlockException e = assertInstanceOf(PortlockException.class,
                failure(elsewhere.acquire(key, Duration.ofMinutes(5))));
        assertFalse(e instanceof PortlockTimeoutException, e.toString());
        assertTrue(e.getMessage().contains("not local"), e.getMessage());
        assertEquals(key, e.key());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
    }

    @Test
    void runningOutOfDescriptorsWhileWaitingFailsEveryWaiterAtOnce() {
        holdForeign();
        AtomicInteger calls = new AtomicInteger();
        PortBinder flaky = PortBinder.binding((ch, address, backlog) -> {
            if (calls.incrementAndGet() > 6) {
                throw new IOException("Too many open files");
            }
            binder.bind(ch, address, backlog);
        });
        AsyncPortlock failing = AsyncPortlock.builder().build(Tuning.DEFAULT.withBinder(flaky));
        List<CompletableFuture<LockHandle>> fs = List.of(failing.acquire(key, Duration.ofMinutes(5)),
                failing.acquire(key), failing.acquire(key, Duration.ofMinutes(5)));
        for (CompletableFuture<LockHandle> f : fs) {
            Throwable e = failure(f);
            assertInstanceOf(PortlockException.class, e);
            assertFalse(e instanceof PortlockTimeoutException, e.toString());
            assertTrue(e.getMessage().contains("out of file descriptors"), e.getMessage());
        }
        assertEquals(0, failing.pending.get());
    }

    @Test
    void shutdownNowOfAUserSchedulerFailsPendingAndNewAcquisitions() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        AsyncPortlock user = AsyncPortlock.builder().scheduler(scheduler)
                .build(Tuning.DEFAULT.withBinder(binder).withShutdownCheck(ms(100)));
        holdForeign();
        CompletableFuture<LockHandle> pending = user.acquire(key);
        CompletableFuture<LockHandle> pendingTimed = user.acquire(key, Duration.ofHours(1));
        await("the waiters are polling", () -> binder.attempts.get() >= 2);
        scheduler.shutdownNow(); // drops the pending attempt without running it
        for (CompletableFuture<LockHandle> f : List.of(pending, pendingTimed)) {
            PortlockException e = assertInstanceOf(PortlockException.class, failure(f));
            assertFalse(e instanceof PortlockTimeoutException);
            assertTrue(e.getMessage().contains("shut down") && e.getMessage().contains(key),
                    e.getMessage());
        }
        foreign.release();
        long binds = binder.binds.get();
        PortlockException e = assertInstanceOf(PortlockException.class,
                failure(user.acquire(key)));
        assertTrue(e.getMessage().contains("shut down"), e.getMessage());
        assertEquals(binds, binder.binds.get(), "no attempt on a shut-down scheduler");
    }

    @Test
    void shutdownOfAUserSchedulerFailsPendingAcquisitionsAtTheirNextAttempt() {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        AsyncPortlock user = AsyncPortlock.builder().scheduler(scheduler)
                .build(Tuning.DEFAULT.withBinder(binder)
                        .withShutdownCheck(Duration.ZERO)); // no watchdog: the refusal itself reports
        holdForeign();
        CompletableFuture<LockHandle> pending = user.acquire(key);
        await("the waiter is polling", () -> binder.attempts.get() >= 2);
        scheduler.shutdown(); // delayed tasks still run, and cannot schedule the next one
        PortlockException e = assertInstanceOf(PortlockException.class, failure(pending));
        assertTrue(e.getMessage().contains("refused") && e.getMessage().contains(key),
                e.getMessage());
    }

    @Test
    void misuseThrowsAtOnce() {
        assertThrows(NullPointerException.class, () -> locks.acquire(null));
        assertThrows(IllegalArgumentException.class, () -> locks.acquire(""));
        assertThrows(NullPointerException.class, () -> locks.acquire(key, null));
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> locks.acquire(key, ms(-1)));
        assertTrue(neg.getMessage().contains(key), neg.getMessage());
        assertThrows(NullPointerException.class, () -> locks.withLock(key, ms(1), null));
        assertThrows(NullPointerException.class,
                () -> locks.withLock(null, ms(1), h -> CompletableFuture.completedFuture(1)));

        AsyncPortlock.Builder b = AsyncPortlock.builder();
        assertThrows(NullPointerException.class, () -> b.scheduler(null));
        b.scheduler(new ScheduledThreadPoolExecutor(1));
        assertThrows(IllegalStateException.class, () -> b.scheduler(new ScheduledThreadPoolExecutor(1)));
        b.completionExecutor(Runnable::run);
        assertThrows(IllegalStateException.class, () -> b.completionExecutor(Runnable::run));
        assertThrows(IllegalArgumentException.class, () -> b.sleepTime(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.firstDelay(ms(-5)));
        assertThrows(NullPointerException.class, () -> b.scheme(null));
        IllegalStateException ise = assertThrows(IllegalStateException.class,
                () -> AsyncPortlock.builder().firstDelay(ms(50)).sleepTime(ms(10)).build());
        assertTrue(ise.getMessage().contains("firstDelay"), ise.getMessage());
        assertEquals(0, binder.binds.get(), "misuse never binds");
    }

    @Test
    void aHugeTimeoutMeansNoTimeout() throws Exception {
        holdForeign();
        CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofSeconds(Long.MAX_VALUE));
        await("polling", () -> binder.attempts.get() >= 2);
        foreign.release();
        get(f).release();
    }

    @Test
    void aRacingCancelAndGrantNeverLeaksAHandle() throws Exception {
        // Many rounds of: the foreign holder releases while the waiter is cancelled concurrently.
        for (int round = 0; round < 200; round++) {
            holdForeign();
            CompletableFuture<LockHandle> f = locks.acquire(key);
            AtomicReference<LockHandle> got = new AtomicReference<>();
            CompletableFuture<Void> seen = f.thenAccept(got::set);
            Thread canceller = new Thread(() -> f.cancel(false));
            foreign.release();
            canceller.start();
            canceller.join(FutureFixtures.PATIENCE.toMillis());
            // Not f.isDone(): f completes before its dependants run, so a grant could still be
            // on its way to got. seen completes after thenAccept ran (or f failed/was cancelled).
            await("the waiter settled and its grant, if any, was seen", seen::isDone);
            if (got.get() != null) {
                got.get().release();
            }
            await("round " + round + ": no socket left bound", () -> binder.openNow() == 0);
        }
    }
}
