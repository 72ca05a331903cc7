package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The FIFO-plus-deadline bookkeeping of one key, without a poller, a scheduler or sockets. */
class AcquisitionQueueTest {
    /** Near overflow, as {@code System.nanoTime()} may be. */
    private static final long T0 = Long.MAX_VALUE - 1_000;
    private final AtomicInteger pending = new AtomicInteger();
    private final AcquisitionQueue queue = new AcquisitionQueue(pending);

    private static Acquisition timed(long deadlineAfterT0) {
        return new Acquisition(new CompletableFuture<LockHandle>(), T0, true, T0 + deadlineAfterT0);
    }

    private static Acquisition untimed() {
        return new Acquisition(new CompletableFuture<LockHandle>(), T0, false, 0);
    }

    @Test
    void waitersLeaveInArrivalOrderAndTheCountFollows() {
        Acquisition a = untimed();
        Acquisition b = timed(5);
        Acquisition c = timed(2);
        queue.add(a);
        queue.add(b);
        queue.add(c);
        assertEquals(Acquisition.State.WAITING, a.state());
        assertEquals(3, pending.get());
        assertEquals(3, queue.size());
        assertSame(a, queue.pollFirst());
        assertSame(b, queue.pollFirst());
        assertEquals(1, pending.get());
        assertSame(c, queue.pollFirst());
        assertNull(queue.pollFirst());
        assertEquals(0, pending.get());
    }

    @Test
    void theDeadlineOrderIsByDeadlineThenArrivalAcrossTheOverflow() {
        Acquisition late = timed(2_000); // wraps past Long.MAX_VALUE
        Acquisition early = timed(10);
        Acquisition sameAsEarly = timed(10);
        queue.add(untimed());
        queue.add(late);
        queue.add(early);
        queue.add(sameAsEarly);
        assertSame(early, queue.firstLiveTimed());
        assertNull(queue.pollExpired(T0 + 9), "nothing due before the first deadline");
        assertSame(early, queue.pollExpired(T0 + 10));
        assertSame(sameAsEarly, queue.pollExpired(T0 + 10));
        assertNull(queue.pollExpired(T0 + 1_999));
        assertSame(late, queue.pollExpired(T0 + 2_000));
        assertEquals(1, queue.size(), "only the untimed waiter is left");
        assertEquals(1, pending.get());
    }

    @Test
    void removeTakesAWaiterOutOfBothOrdersOnce() {
        Acquisition a = timed(1);
        Acquisition b = timed(2);
        queue.add(a);
        queue.add(b);
        assertTrue(queue.remove(a));
        assertFalse(queue.remove(a), "a second removal finds nothing");
        assertEquals(1, pending.get());
        assertSame(b, queue.firstLiveTimed(), "gone from the deadline order too");
        assertNull(queue.pollExpired(T0 + 1));
        assertSame(b, queue.pollFirst());
        assertEquals(0, pending.get());
    }

    @Test
    void doneWaitersAreDroppedFromTheHeadAndMarkedDone() {
        Acquisition cancelled = timed(1);
        Acquisition live = timed(3);
        queue.add(cancelled);
        queue.add(live);
        cancelled.future.cancel(false);
        assertSame(live, queue.firstLiveTimed());
        assertEquals(Acquisition.State.DONE, cancelled.state());
        assertEquals(1, pending.get());
        assertTrue(queue.hasLive());
        live.future.cancel(false);
        assertFalse(queue.hasLive());
        assertEquals(Acquisition.State.DONE, live.state());
        assertEquals(0, queue.size());
        assertEquals(0, pending.get());
        assertNull(queue.firstLiveTimed());
    }

    @Test
    void hasLiveStopsAtTheFirstLiveWaiter() {
        Acquisition live = untimed();
        Acquisition doneBehind = untimed();
        queue.add(live);
        queue.add(doneBehind);
        doneBehind.future.cancel(false);
        assertTrue(queue.hasLive());
        assertEquals(2, queue.size(), "a done waiter behind a live one stays until reached");
        assertEquals(Acquisition.State.WAITING, doneBehind.state());
    }

    @Test
    void clearReturnsEveryWaiterInOrderAndZeroesTheCount() {
        Acquisition a = untimed();
        Acquisition b = timed(1);
        queue.add(a);
        queue.add(b);
        pending.addAndGet(5); // another key's waiters in the same instance
        assertEquals(List.of(a, b), queue.clear());
        assertEquals(5, pending.get());
        assertEquals(0, queue.size());
        assertNull(queue.pollExpired(T0 + 1));
        assertFalse(queue.hasLive());
    }
}
