package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.isFree;
import static io.github.k3portlock.async.FutureFixtures.key;
import static io.github.k3portlock.async.FutureFixtures.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.clearInvocations;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.verifyNoMoreInteractions;
import static org.mockito.Mockito.when;

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
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/**
 * Deterministic retry scheduling: the scheduler is a mock, the clock is fake, every scheduled task
 * is captured and run by hand, and {@code verifyNoMoreInteractions} proves nothing else was
 * scheduled. Ports are bound for real; contention comes from a real blocking {@link Portlock}.
 */
class RetrySchedulerTest {
    private static final long MS = 1_000_000L;

    private final ScheduledExecutorService scheduler = mock(ScheduledExecutorService.class);
    private final ScheduledFuture<?> scheduled = mock(ScheduledFuture.class);
    /** Starts near the top of the long range: deadlines wrap around, as nanoTime may. */
    private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - 7 * MS);
    private final String key = key();
    private final LockPorts ports = PortScheme.DEFAULT.lockPorts(key);
    private final CountingBinder binder = new CountingBinder(ports.basePort(), clock::get);
    private final Portlock holder = new Portlock(key);
    private long t0;

    @BeforeEach
    void holdTheLockElsewhere() {
        doReturn(scheduled).when(scheduler).schedule(any(Runnable.class), anyLong(), any());
        await("a foreign holder takes '" + key + "'", holder::tryLock);
        t0 = clock.get();
    }

    @AfterEach
    void cleanUp() {
        holder.release();
        await("'" + key + "' is free and nothing is left bound",
                () -> binder.openNow() == 0 && isFree(ports));
    }

    private AsyncPortlock.Builder locks() {
        return AsyncPortlock.builder().scheduler(scheduler).completionExecutor(Runnable::run)
                .firstDelay(ms(1)).sleepTime(ms(10));
    }

    /** The fake binder and clock, no jitter, no shutdown watch. */
    private Tuning tuning() {
        return Tuning.DEFAULT.withBinder(binder).withClock(clock::get).withJitter(() -> 0.0)
                .withShutdownCheck(Duration.ZERO).withoutWake(); // the mock alone attempts
    }

    /** Verifies that exactly one task was scheduled since the last check, with {@code delay}. */
    private Runnable scheduledWith(long delayNanos) {
        ArgumentCaptor<Runnable> task = ArgumentCaptor.forClass(Runnable.class);
        verify(scheduler).schedule(task.capture(), eq(delayNanos), eq(TimeUnit.NANOSECONDS));
        verifyNoMoreInteractions(scheduler);
        clearInvocations(scheduler);
        return task.getValue();
    }

    private void acquireVerified() {
        verify(scheduler).isShutdown();
    }

    private void advanceTo(long sinceStartNanos) {
        clock.set(t0 + sinceStartNanos);
    }

    @Test
    void backoffDoublesFromFirstDelayAndIsCappedAtSleepTime() throws Exception {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        assertEquals(1, binder.attempts.get(), "first attempt at once");

        long at = 0;
        long[] expected = {1, 2, 4, 8, 10, 10, 10};
        for (long d : expected) {
            Runnable task = scheduledWith(d * MS);
            at += d * MS;
            advanceTo(at);
            task.run();
            assertFalse(f.isDone());
        }
        assertEquals(1 + expected.length, binder.attempts.get(), "one attempt per task run");

        Runnable last = scheduledWith(10 * MS);
        holder.release();
        advanceTo(at + 10 * MS);
        last.run();
        LockHandle h = f.getNow(null);
        assertTrue(h != null && h.isValid(), "lock taken on the first attempt after the release");
        verifyNoMoreInteractions(scheduler);
        verifyNoInteractions(scheduled);
        h.release();
        assertTrue(isFree(ports));
        verifyNoMoreInteractions(scheduler);
    }

    @Test
    void jitterShortensDelaysBelowTheCapAndLengthensDelaysAtTheCapByAtMostAFifth() {
        double[] r = {0.999_999};
        AsyncPortlock locks = locks().build(tuning().withJitter(() -> r[0]));
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        long[] caps = {1, 2, 4, 8, 10, 10, 10, 10, 10, 10, 10, 10};
        long at = 0;
        for (long cap : caps) {
            ArgumentCaptor<Long> delay = ArgumentCaptor.forClass(Long.class);
            ArgumentCaptor<Runnable> task = ArgumentCaptor.forClass(Runnable.class);
            verify(scheduler).schedule(task.capture(), delay.capture(), eq(TimeUnit.NANOSECONDS));
            verifyNoMoreInteractions(scheduler);
            clearInvocations(scheduler);
            long d = delay.getValue();
            // Below sleepTime: [max(firstDelay, 0.8 d), d]. At sleepTime: [sleepTime, 1.2 sleepTime],
            // so that once backed off a key is never tried more than once per sleepTime.
            long floor = cap < 10 ? Math.max(MS, (long) (cap * MS * 0.8)) : cap * MS;
            long ceiling = cap < 10 ? cap * MS : (long) (cap * MS * 1.2);
            assertTrue(d >= floor && d <= ceiling,
                    "delay " + d + " ns within [" + floor + ", " + ceiling + "] for r=" + r[0]);
            r[0] = ThreadLocalRandom.current().nextDouble();
            at += d;
            advanceTo(at);
            task.getValue().run();
        }
        verify(scheduler).schedule(any(Runnable.class), anyLong(), eq(TimeUnit.NANOSECONDS));
        f.cancel(false);
        verify(scheduled).cancel(false);
        verifyNoMoreInteractions(scheduler);
    }

    @Test
    void theBackoffBoundsHoldAtTheExtremesOfTheJitterAndTheFailureCount() {
        double[] r = {0.0};
        AsyncPortlock locks = locks().build(tuning().withJitter(() -> r[0]));
        assertEquals(1 * MS, locks.backoffNanos(1));
        assertEquals(8 * MS, locks.backoffNanos(4));
        assertEquals(10 * MS, locks.backoffNanos(5));
        assertEquals(10 * MS, locks.backoffNanos(64));
        r[0] = 0.999_999_999;
        assertEquals(1 * MS, locks.backoffNanos(1), "never below firstDelay");
        assertEquals(6_400_001L, locks.backoffNanos(4), 1, "8 ms shortened by a fifth");
        assertEquals(12 * MS, locks.backoffNanos(5), 1, "10 ms lengthened by a fifth");
        assertEquals(12 * MS, locks.backoffNanos(Integer.MAX_VALUE), 1, "a huge exponent is capped");
        AsyncPortlock atCap = AsyncPortlock.builder().firstDelay(ms(10)).sleepTime(ms(10))
                .build(Tuning.DEFAULT.withJitter(() -> 0.5));
        assertEquals(11 * MS, atCap.backoffNanos(1), "firstDelay = sleepTime: every delay is at the cap");
        AsyncPortlock century = AsyncPortlock.builder().firstDelay(Duration.ofDays(36500))
                .sleepTime(Duration.ofDays(36500))
                        .build(Tuning.DEFAULT.withJitter(() -> 0.999_999));
        assertTrue(century.backoffNanos(1) > Duration.ofDays(36500).toNanos(), "no overflow");
    }

    @Test
    void lastAttemptIsExactlyAtTheDeadlineAndNothingIsScheduledAfterTheTimeout() {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key, ms(20));
        acquireVerified();
        long at = 0;
        for (long d : new long[] {1, 2, 4, 8}) { // attempts at 1, 3, 7, 15 ms
            Runnable task = scheduledWith(d * MS);
            at += d * MS;
            advanceTo(at);
            task.run();
        }
        // The next poll would be at 25 ms; the deadline at 20 ms comes first.
        Runnable atDeadline = scheduledWith(5 * MS);
        advanceTo(20 * MS);
        atDeadline.run();

        assertEquals(List.of(0L, 1 * MS, 3 * MS, 7 * MS, 15 * MS, 20 * MS), attemptOffsets());
        PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class,
                FutureFixtures.failure(f));
        assertEquals(key, e.key());
        assertEquals(ms(20), e.waited(), "waited exactly the timeout");
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(ports.toString()),
                e.getMessage());
        verifyNoMoreInteractions(scheduler);
        verifyNoInteractions(scheduled);
        assertEquals(0, locks.activeKeys(), "the poller retired");
    }

    @Test
    void anAttemptAtTheDeadlineThatFindsTheLockFreeTakesIt() throws Exception {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key, ms(4));
        acquireVerified();
        Runnable t1 = scheduledWith(1 * MS);
        advanceTo(1 * MS);
        t1.run();
        Runnable t2 = scheduledWith(2 * MS);
        advanceTo(3 * MS);
        t2.run();
        Runnable atDeadline = scheduledWith(1 * MS); // poll would be at 7 ms, deadline at 4 ms
        holder.release();
        advanceTo(4 * MS);
        atDeadline.run();
        LockHandle h = FutureFixtures.get(f);
        assertTrue(h.isValid());
        assertEquals(List.of(0L, 1 * MS, 3 * MS, 4 * MS), attemptOffsets());
        h.release();
        verifyNoMoreInteractions(scheduler);
    }

    @Test
    void aDeadlineAttemptRunLateByTheSchedulerStillTakesAFreeLock() throws Exception {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key, ms(1));
        acquireVerified();
        Runnable atDeadline = scheduledWith(1 * MS);
        holder.release();
        advanceTo(9 * MS); // the scheduler runs the attempt meant for the deadline 8 ms late
        atDeadline.run();
        LockHandle h = FutureFixtures.get(f);
        assertTrue(h.isValid(), "the attempt was for the deadline; only the scheduler was late");
        h.release();
        verifyNoMoreInteractions(scheduler);
    }

    /** Regression (review 2a, originally ReviewLateTest): a hand-over checks deadlines itself. */
    @Test
    void aHandOverAfterAWaitersDeadlineFailsItWithATimeoutEvenIfItsTimerIsLate() throws Exception {
        holder.release();
        AsyncPortlock locks = locks().build(tuning());
        LockHandle h = locks.acquire(key).getNow(null);
        assertTrue(h != null && h.isValid(), "free: taken at once");
        CompletableFuture<LockHandle> expired = locks.acquire(key, ms(5));
        CompletableFuture<LockHandle> patient = locks.acquire(key);
        verify(scheduler, org.mockito.Mockito.times(3)).isShutdown();
        Runnable deadlineTimer = scheduledWith(5 * MS); // held here: only the deadline is due
        advanceTo(50 * MS); // the timer due at 5 ms has not run yet: a loaded box
        h.release();

        PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class,
                FutureFixtures.failure(expired));
        assertEquals(key, e.key());
        assertEquals(ms(50), e.waited());
        LockHandle next = patient.getNow(null);
        assertTrue(next != null && next.isValid(), "the lock went on to the next live waiter");
        assertFalse(h.isValid());
        verify(scheduled).cancel(false); // nobody left waiting: the deadline timer is cancelled
        deadlineTimer.run(); // stale: does nothing
        next.release();
        assertTrue(isFree(ports));
        assertEquals(1, binder.attempts.get(), "hand-overs need no attempt");
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void zeroTimeoutMakesOneAttemptAndSchedulesNothing() {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ZERO);
        acquireVerified();
        PortlockTimeoutException e = assertInstanceOf(PortlockTimeoutException.class,
                FutureFixtures.failure(f));
        assertEquals(Duration.ZERO, e.waited());
        assertEquals(1, binder.attempts.get());
        verifyNoMoreInteractions(scheduler);
    }

    @Test
    void cancelCancelsThePendingAttemptAndAStaleRunDoesNothing() {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key, ms(100));
        acquireVerified();
        Runnable pending = scheduledWith(1 * MS);

        assertTrue(f.cancel(true));
        verify(scheduled).cancel(false);
        verifyNoMoreInteractions(scheduler, scheduled);

        // The cancellation lost the race: the task runs anyway. It must not attempt or reschedule.
        advanceTo(1 * MS);
        pending.run();
        assertEquals(1, binder.attempts.get());
        verifyNoMoreInteractions(scheduler, scheduled);
        assertEquals(0, locks.activeKeys());
        assertEquals(0, locks.pending.get());
    }

    @Test
    void completeExceptionallyStopsTheRetries() {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        Runnable pending = scheduledWith(1 * MS);
        advanceTo(1 * MS);
        pending.run();
        Runnable next = scheduledWith(2 * MS);

        f.completeExceptionally(new IllegalStateException("caller gave up"));
        verify(scheduled).cancel(false);
        advanceTo(3 * MS);
        next.run();
        assertEquals(2, binder.attempts.get());
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void orTimeoutStopsTheRetries() {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key).orTimeout(50, TimeUnit.MILLISECONDS);
        acquireVerified();
        Runnable pending = scheduledWith(1 * MS);
        // orTimeout fires on the JDK's own delayer thread, in real time.
        verify(scheduled, timeout(FutureFixtures.PATIENCE.toMillis())).cancel(false);
        assertInstanceOf(TimeoutException.class, FutureFixtures.failure(f));
        advanceTo(1 * MS);
        pending.run();
        assertEquals(1, binder.attempts.get());
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void waitersOfOneKeyShareOnePollerAndOneAttemptPerInterval() {
        AsyncPortlock locks = locks().build(tuning());
        List<CompletableFuture<LockHandle>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fs.add(locks.acquire(key));
        }
        verify(scheduler, org.mockito.Mockito.times(50)).isShutdown();
        assertEquals(1, binder.attempts.get(), "only the first waiter attempts at once");
        Runnable task = scheduledWith(1 * MS);
        advanceTo(1 * MS);
        task.run();
        assertEquals(2, binder.attempts.get(), "one attempt for fifty waiters");
        task = scheduledWith(2 * MS);

        holder.release();
        advanceTo(3 * MS);
        task.run();
        assertEquals(3, binder.attempts.get());
        assertTrue(fs.get(0).isDone(), "the first waiter (FIFO) got the lock");
        for (int i = 1; i < fs.size(); i++) {
            assertFalse(fs.get(i).isDone());
        }
        verifyNoMoreInteractions(scheduler, scheduled); // held locally: nothing to poll

        // Each release hands the lock to the next waiter with no attempt and no scheduling.
        for (int i = 0; i < fs.size(); i++) {
            LockHandle h = fs.get(i).getNow(null);
            assertTrue(h.isValid());
            h.release();
            assertFalse(h.isValid());
        }
        assertEquals(3, binder.attempts.get());
        verifyNoMoreInteractions(scheduler, scheduled);
        assertTrue(isFree(ports));
    }

    @Test
    void aWaiterWithAnEarlierDeadlineMovesTheSharedTimerForward() {
        AsyncPortlock locks = locks().firstDelay(ms(4)).build(tuning());
        CompletableFuture<LockHandle> slow = locks.acquire(key);
        acquireVerified();
        Runnable first = scheduledWith(4 * MS);
        CompletableFuture<LockHandle> hasty = locks.acquire(key, Duration.ofNanos(MS / 2));
        acquireVerified();
        verify(scheduled).cancel(false);
        Runnable atDeadline = scheduledWith(MS / 2);
        first.run(); // stale: cancelled above
        assertEquals(1, binder.attempts.get());

        advanceTo(MS / 2);
        atDeadline.run();
        assertEquals(2, binder.attempts.get(), "an attempt at the hasty waiter's deadline");
        assertInstanceOf(PortlockTimeoutException.class, FutureFixtures.failure(hasty));
        assertFalse(slow.isDone());
        scheduledWith(8 * MS); // the backoff went on: second failure, 2 x firstDelay
        slow.cancel(false);
        verify(scheduled, org.mockito.Mockito.times(2)).cancel(false);
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void deadlinesCloserThanFirstDelayShareOneAttempt() {
        AsyncPortlock locks = locks().firstDelay(ms(1)).sleepTime(ms(5)).build(tuning());
        CompletableFuture<LockHandle> patient = locks.acquire(key);
        CompletableFuture<LockHandle> w11 = locks.acquire(key, ms(11));
        CompletableFuture<LockHandle> w115 = locks.acquire(key, Duration.ofNanos(11_500_000));
        CompletableFuture<LockHandle> w125 = locks.acquire(key, Duration.ofNanos(12_500_000));
        verify(scheduler, org.mockito.Mockito.times(4)).isShutdown();
        long[][] steps = { // {delay, then the clock offset}
            {1 * MS, 1 * MS}, {2 * MS, 3 * MS}, {4 * MS, 7 * MS}, {4 * MS, 11 * MS},
            {MS / 2, 11_500_000}, {1 * MS, 12_500_000},
        };
        for (long[] s : steps) {
            Runnable task = scheduledWith(s[0]);
            advanceTo(s[1]);
            task.run();
        }
        // 11 ms: attempt; 11.5 ms: within firstDelay of it, served by it; 12.5 ms: attempt.
        assertEquals(List.of(0L, 1 * MS, 3 * MS, 7 * MS, 11 * MS, 12_500_000L), attemptOffsets());
        assertEquals(ms(11), ((PortlockTimeoutException) FutureFixtures.failure(w11)).waited());
        assertEquals(Duration.ofNanos(11_500_000),
                ((PortlockTimeoutException) FutureFixtures.failure(w115)).waited());
        assertEquals(Duration.ofNanos(12_500_000),
                ((PortlockTimeoutException) FutureFixtures.failure(w125)).waited());
        assertFalse(patient.isDone());
        scheduledWith(5 * MS);
        patient.cancel(false);
        verify(scheduled).cancel(false);
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void aHandleGrantedWhileItsFutureIsCancelledIsReleasedNotLost() throws Exception {
        ManualExecutor completions = new ManualExecutor();
        AsyncPortlock locks = AsyncPortlock.builder().scheduler(scheduler)
                .completionExecutor(completions).build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        Runnable task = scheduledWith(1 * MS);
        holder.release();
        advanceTo(1 * MS);
        task.run(); // binds the quorum; the completion is queued on the executor
        assertEquals(1, completions.size());
        assertFalse(isFree(ports), "the ports are bound on behalf of the waiter");

        f.cancel(false); // the caller gives up before the handle arrives
        assertTrue(isFree(ports), "released at once by the cancellation");
        assertEquals(0, binder.openNow());
        completions.runAll(); // the late completion finds the future cancelled: nothing happens
        assertTrue(f.isCancelled());
        assertTrue(isFree(ports));
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void aHandleGrantedToACancelledWaiterGoesToTheNextWaiter() throws Exception {
        ManualExecutor completions = new ManualExecutor();
        AsyncPortlock locks = AsyncPortlock.builder().scheduler(scheduler)
                .completionExecutor(completions).build(tuning());
        CompletableFuture<LockHandle> first = locks.acquire(key);
        CompletableFuture<LockHandle> second = locks.acquire(key);
        verify(scheduler, org.mockito.Mockito.times(2)).isShutdown();
        Runnable task = scheduledWith(1 * MS);
        holder.release();
        advanceTo(1 * MS);
        task.run();
        first.cancel(false);
        completions.runAll();
        LockHandle h = second.getNow(null);
        assertTrue(h != null && h.isValid(), "the second waiter holds the lock");
        assertEquals(2, binder.attempts.get(), "handed over, not bound again");
        assertFalse(isFree(ports));
        h.release();
        assertTrue(isFree(ports));
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void anAttemptThatBindsWhileTheFutureIsCompletedElsewhereReleasesAtOnce() throws Exception {
        AtomicReference<CompletableFuture<LockHandle>> victim = new AtomicReference<>();
        java.util.concurrent.CountDownLatch binding = new java.util.concurrent.CountDownLatch(1);
        CountingBinder slowBinder = new CountingBinder(PortBinder.binding((ch, address, backlog) -> {
                CompletableFuture<LockHandle> f = victim.get();
                if (f != null && address.getPort() == ports.basePort()) {
                    // Hold the attempt in the middle until another thread completes the future.
                    binding.countDown();
                    await("the future is cancelled mid-attempt", f::isDone);
                }
                ch.bind(address, backlog);
        }), ports.basePort(), clock::get);
        AsyncPortlock locks = AsyncPortlock.builder().scheduler(scheduler)
                .completionExecutor(Runnable::run).build(tuning().withBinder(slowBinder));
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        Runnable task = scheduledWith(1 * MS);
        holder.release();
        victim.set(f);
        advanceTo(1 * MS);
        Thread attempt = new Thread(task, "attempt");
        attempt.start();
        assertTrue(binding.await(FutureFixtures.PATIENCE.toSeconds(), TimeUnit.SECONDS));
        f.cancel(false); // blocks on the poller's lock until the attempt is over, then cleans up
        attempt.join(FutureFixtures.PATIENCE.toMillis());
        assertFalse(attempt.isAlive());
        assertTrue(f.isCancelled());
        assertEquals(2, slowBinder.attempts.get(), "the attempt ran and bound the quorum");
        assertEquals(0, slowBinder.openNow(), "the quorum bound for nobody was closed");
        assertTrue(isFree(ports));
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void aPermanentBindErrorFailsAtOnceNotAsATimeout() {
        PortBinder emfile = address -> {
            throw new IOException("Too many open files");
        };
        AsyncPortlock locks = locks().build(tuning().withBinder(emfile));
        CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofHours(1));
        acquireVerified();
        PortlockException e = assertInstanceOf(PortlockException.class, FutureFixtures.failure(f));
        assertFalse(e instanceof PortlockTimeoutException);
        assertEquals(key, e.key());
        assertEquals(ports.basePort(), e.port().getAsInt());
        assertTrue(e.getMessage().contains("out of file descriptors"), e.getMessage());
        verifyNoMoreInteractions(scheduler, scheduled);
        assertEquals(0, locks.activeKeys());
    }

    @Test
    void aPermanentBindErrorWhilePollingFailsEveryWaiterOfTheKeyAtOnce() {
        int[] calls = {0};
        PortBinder failsLater = PortBinder.binding((ch, address, backlog) -> {
            if (++calls[0] > 4) { // the first two attempts meet contention (2 binds each)
                throw new IOException("Too many open files");
            }
            binder.bind(ch, address, backlog);
        });
        AsyncPortlock locks = locks().build(tuning().withBinder(failsLater));
        CompletableFuture<LockHandle> a = locks.acquire(key, Duration.ofHours(1));
        CompletableFuture<LockHandle> b = locks.acquire(key);
        verify(scheduler, org.mockito.Mockito.times(2)).isShutdown();
        Runnable t1 = scheduledWith(1 * MS);
        advanceTo(1 * MS);
        t1.run();
        Runnable t2 = scheduledWith(2 * MS);
        advanceTo(3 * MS);
        t2.run();
        for (CompletableFuture<LockHandle> f : List.of(a, b)) {
            Throwable e = FutureFixtures.failure(f);
            assertInstanceOf(PortlockException.class, e);
            assertFalse(e instanceof PortlockTimeoutException, e.toString());
        }
        verifyNoMoreInteractions(scheduler, scheduled);
        assertEquals(0, locks.activeKeys());
    }

    @Test
    void aSchedulerThatRefusesFailsTheWaitersWithAClearError() {
        doThrow(new RejectedExecutionException("shut down")).when(scheduler)
                .schedule(any(Runnable.class), anyLong(), any());
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofHours(1));
        acquireVerified();
        verify(scheduler).schedule(any(Runnable.class), eq(1 * MS), eq(TimeUnit.NANOSECONDS));
        PortlockException e = assertInstanceOf(PortlockException.class, FutureFixtures.failure(f));
        assertFalse(e instanceof PortlockTimeoutException);
        assertInstanceOf(RejectedExecutionException.class, e.getCause());
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains("refused"),
                e.getMessage());
        verifyNoMoreInteractions(scheduler);
        assertEquals(0, locks.activeKeys());
        assertEquals(0, locks.pending.get());
    }

    @Test
    void aShutDownSchedulerFailsNewAcquisitionsWithoutAnAttempt() {
        when(scheduler.isShutdown()).thenReturn(true);
        AsyncPortlock locks = locks().build(tuning());
        holder.release(); // even a free lock is not taken
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        PortlockException e = assertInstanceOf(PortlockException.class, FutureFixtures.failure(f));
        assertTrue(e.getMessage().contains("shut down") && e.getMessage().contains(key),
                e.getMessage());
        assertEquals(0, binder.binds.get());
        verifyNoMoreInteractions(scheduler);
    }

    @Test
    void aCompletionExecutorThatRefusesFailsTheWaiterAndPassesTheLockOn() throws Exception {
        boolean[] refuse = {true};
        java.util.concurrent.Executor picky = r -> {
            if (refuse[0]) {
                refuse[0] = false;
                throw new RejectedExecutionException("busy");
            }
            r.run();
        };
        AsyncPortlock locks = AsyncPortlock.builder().scheduler(scheduler)
                .completionExecutor(picky).build(tuning());
        CompletableFuture<LockHandle> first = locks.acquire(key);
        CompletableFuture<LockHandle> second = locks.acquire(key);
        verify(scheduler, org.mockito.Mockito.times(2)).isShutdown();
        Runnable task = scheduledWith(1 * MS);
        holder.release();
        advanceTo(1 * MS);
        task.run();
        PortlockException e = assertInstanceOf(PortlockException.class, FutureFixtures.failure(first));
        assertInstanceOf(RejectedExecutionException.class, e.getCause());
        LockHandle h = second.getNow(null);
        assertTrue(h != null && h.isValid(), "the lock went to the next waiter");
        assertEquals(2, binder.attempts.get());
        h.release();
        assertTrue(isFree(ports));
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void aReleaseHandsTheSamePortsToTheNextWaiterInANewHandle() throws Exception {
        holder.release();
        AsyncPortlock locks = locks().build(tuning());
        LockHandle first = FutureFixtures.get(locks.acquire(key));
        CompletableFuture<LockHandle> next = locks.acquire(key);
        verify(scheduler, org.mockito.Mockito.times(2)).isShutdown();
        verifyNoMoreInteractions(scheduler); // held here: the waiter needs no timer
        first.release();
        LockHandle second = next.getNow(null);
        assertNotSame(first, second);
        assertFalse(first.isValid());
        assertTrue(second.isValid());
        assertEquals(first.ports(), second.ports());
        assertEquals(1, binder.attempts.get(), "no bind for the hand-over");
        first.release(); // releasing the old handle again must not touch the new holder
        assertTrue(second.isValid());
        assertFalse(isFree(ports));
        second.release();
        assertTrue(isFree(ports));
        assertSame(key, second.key());
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    @Test
    void deliveryIsNotRunInsideThePollersLockEvenWithASameThreadExecutor() throws Exception {
        // A callback that re-enters (acquire/cancel on the same key) must not deadlock or corrupt.
        holder.release();
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> inner = new CompletableFuture<>();
        CompletableFuture<LockHandle> outer = locks.acquire(key);
        LockHandle h = FutureFixtures.get(outer);
        CompletableFuture<LockHandle> waiter = locks.acquire(key);
        waiter.thenAccept(got -> {
            CompletableFuture<LockHandle> again = locks.acquire(key); // queued behind us
            got.release(); // hands over to 'again' from inside our own callback
            again.thenAccept(inner::complete);
        });
        h.release();
        LockHandle last = FutureFixtures.get(inner);
        assertTrue(last.isValid());
        last.release();
        assertTrue(isFree(ports));
        assertEquals(1, binder.attempts.get());
    }

    @Test
    void cancellingFromAnotherThreadNeverLeavesAWaiterQueued() throws Exception {
        AsyncPortlock locks = locks().build(tuning());
        CompletableFuture<LockHandle> f = locks.acquire(key);
        acquireVerified();
        scheduledWith(1 * MS);
        Thread t = new Thread(() -> f.cancel(false));
        t.start();
        t.join();
        assertTrue(f.isCancelled());
        assertInstanceOf(CancellationException.class, FutureFixtures.failure(f));
        assertEquals(0, locks.pending.get());
        verify(scheduled).cancel(false);
        verifyNoMoreInteractions(scheduler, scheduled);
    }

    private List<Long> attemptOffsets() {
        List<Long> out = new ArrayList<>();
        for (long t : binder.attemptTimes) {
            out.add(t - t0);
        }
        return out;
    }
}
