package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortFixtures;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import io.github.k3portlock.testkit.Tcp;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The ticket protocol of a release ({@link HandOver}) with real sockets: which waiter is told
 * {@code YOURS}, what strangers and departed waiters get, and that the lock is never lost when
 * the chosen waiter does not come or the holder dies half-way.
 */
class HandOverTest {
    /** No verdict: the line ended (reset or end of stream) without a byte. */
    private static final int NONE = -1;

    /** A raw waiter: connects to the holder's lowest port (as waiters do), writes {@code bytes}. */
    private static SocketChannel line(PortHandle holder, byte[] bytes) throws IOException {
        InetSocketAddress to = new InetSocketAddress(holder.target().address(),
                holder.ports().get(0));
        SocketChannel ch = SocketChannel.open();
        WakePolicy.prepare(ch);
        ch.connect(to);
        ch.write(ByteBuffer.wrap(bytes));
        return ch;
    }

    private static byte[] ticket(long startMicros, long id) {
        ByteBuffer b = new Ticket(startMicros, id).encode();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** The verdict on {@code ch}: a byte, or {@link #NONE}. */
    private static int verdict(SocketChannel ch) throws IOException {
        Socket s = ch.socket();
        s.setSoTimeout(30_000);
        InputStream in = s.getInputStream();
        try {
            return in.read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no verdict and no reset within 30 s", e);
        } catch (SocketException reset) {
            return NONE;
        }
    }

    /** The delay that follows a {@code WAIT} verdict on {@code ch}, in microseconds. */
    private static long waitMicros(SocketChannel ch) throws IOException {
        InputStream in = ch.socket().getInputStream();
        long v = 0;
        for (int i = 1; i < Ticket.WAIT_LENGTH; i++) {
            v = v << 8 | in.read();
        }
        return v;
    }

    private static PortHandle hold(LockPorts target) {
        PortHandle h = Quorum.tryAcquire(target, PortBinder.DEFAULT);
        assertNotNull(h, "the fresh key is free");
        return h;
    }

    @Test
    void theOldestTicketIsChosenAndTheOthersWait() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        PortHandle holder = hold(target);
        // Connected in another order than their age: the queue order does not decide.
        SocketChannel young = line(holder, ticket(300, 1));
        SocketChannel oldest = line(holder, ticket(100, 2));
        SocketChannel middle = line(holder, ticket(200, 3));
        holder.release();
        assertEquals(Ticket.YOURS, verdict(oldest));
        PortHandle next = Quorum.tryAcquire(target, PortBinder.DEFAULT);
        assertNotNull(next, "told YOURS once the ports are free");
        next.release();
        assertEquals(Ticket.WAIT, verdict(middle));
        assertEquals(0, waitMicros(middle), "the next in line looks for the next holder at once");
        assertEquals(Ticket.WAIT, verdict(young));
        assertTrue(waitMicros(young) > 0, "the one after it later");
        for (SocketChannel c : List.of(young, oldest, middle)) {
            c.close();
        }
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void thePromiseExistsBeforeThePortsAreFree() throws Exception {
        // Regression: the promise used to be made after the ports closed and YOURS was written,
        // so an attempt of this JVM (a chosen waiter here, a waiter's timer) could take the key
        // first and a late promise then kept this JVM out for the whole grace. A thread that
        // binds the ports the moment they are free must find the promise already made.
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        for (int round = 0; round < 30; round++) {
            PortHandle holder = hold(target);
            SocketChannel chosen = line(holder, ticket(100, round));
            AtomicLong promiseSeen = new AtomicLong(-1);
            Thread binder = new Thread(() -> {
                PortHandle h;
                while ((h = Quorum.tryAcquire(target, PortBinder.DEFAULT)) == null) {
                    Thread.onSpinWait();
                }
                promiseSeen.set(HandOverYield.pendingUntil(target));
                h.release(false);
            });
            binder.start();
            holder.release();
            binder.join(30_000);
            assertNotEquals(0L, promiseSeen.get(),
                    "round " + round + ": the ports were free before the promise was made");
            assertEquals(Ticket.YOURS, verdict(chosen));
            HandOverYield.kept(target);
            chosen.close();
        }
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void strangersAreNeverChosen() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        PortHandle holder = hold(target);
        byte[] wrongMagic = ticket(1, 1);
        wrongMagic[0] ^= 0x20;
        byte[] longer = new byte[Ticket.LENGTH + 8];
        System.arraycopy(ticket(1, 2), 0, longer, 0, Ticket.LENGTH);
        SocketChannel forged = line(holder, wrongMagic);
        SocketChannel http = line(holder,
                "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        SocketChannel tooLong = line(holder, longer);
        SocketChannel silent = line(holder, new byte[0]);
        SocketChannel waiter = line(holder, ticket(Ticket.issue().startMicros(), 3));
        holder.release();
        assertEquals(Ticket.YOURS, verdict(waiter));
        assertEquals(NONE, verdict(forged), "no verdict for a stranger");
        assertEquals(NONE, verdict(http));
        assertEquals(NONE, verdict(tooLong));
        assertEquals(Ticket.WAIT, verdict(silent), "a line without a ticket yet is told to wait");
        for (SocketChannel c : List.of(forged, http, tooLong, silent, waiter)) {
            c.close();
        }
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aBargingReleaseAnswersNobodyAndPromisesNothing() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        PortHandle holder = hold(target);
        SocketChannel waiter = line(holder, ticket(100, 1));
        holder.release(false);
        assertEquals(NONE, verdict(waiter), "reset without a verdict: the waiters race");
        assertFalse(HandOverYield.isPending(target));
        waiter.close();
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aWaiterThatLeftIsSkipped() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        PortHandle holder = hold(target);
        SocketChannel gone = line(holder, ticket(100, 1));
        SocketChannel next = line(holder, ticket(200, 2));
        gone.close(); // a reset: the waiter timed out before the release
        holder.release();
        assertEquals(Ticket.YOURS, verdict(next));
        next.close();
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    /** {@code acquire()} on another thread, which releases at once: the instant it got it. */
    private static CompletableFuture<Long> acquireAndRelease(Portlock lock) {
        // A thread of its own: on Java 25 the default executor is the common pool even at
        // parallelism 1, where a second blocked waiter would not start on a 2-core machine.
        return CompletableFuture.supplyAsync(() -> {
            lock.acquire();
            long at = System.nanoTime();
            lock.release();
            return at;
        }, task -> new Thread(task, "waiter").start());
    }

    private static Portlock slowPoller(LockPorts target) {
        return Portlock.builder(target.key()).timeout(Duration.ofSeconds(60))
                .sleepTime(Duration.ofSeconds(20)).build();
    }

    @Test
    void aChosenWaiterThatNeverComesDoesNotLoseTheLock() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        PortHandle holder = hold(target);
        // The oldest waiter is chosen and then gives up (or dies) without binding.
        SocketChannel chosen = line(holder, ticket(1, 1));
        Portlock other = slowPoller(target);
        CompletableFuture<Long> acquired = acquireAndRelease(other);
        Await.until("the other waiter is lined up too",
                () -> Tcp.connectionsTo(target.numbers()).size() == 2);
        long releasedAt = System.nanoTime();
        holder.release(); // fair: this JVM promises the key to the chosen waiter
        assertEquals(Ticket.YOURS, verdict(chosen));
        chosen.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(acquired.get(30, TimeUnit.SECONDS)
                - releasedAt);
        assertTrue(tookMs < 10_000, "the next waiter got it after " + tookMs
                + " ms: by its 20 s poll, not after the grace");
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void theReleasingJvmDoesNotTakeThePromisedKeyBeforeTheGrace() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        PortHandle holder = hold(target);
        SocketChannel chosen = line(holder, ticket(1, 1));
        try (Portlock again = slowPoller(target)) {
            long t0 = System.nanoTime();
            holder.release();
            boolean took = again.tryLock();
            long dt = System.nanoTime() - t0;
            if (dt < HandOverYield.GRACE_NANOS / 2) { // not checkable on a stalled machine
                assertFalse(took, "took the key promised to the chosen waiter");
            }
            assertEquals(Ticket.YOURS, verdict(chosen));
            chosen.close();
            Await.until("the grace passes and the key is free to all", again::tryLock);
            again.release();
        }
    }

    @Test
    void aPromiseEndsWhenItsGraceRunsOut() {
        LockPorts target = PortFixtures.freePorts();
        HandOverYield.promised(target);
        long until = HandOverYield.pendingUntil(target);
        assertNotEquals(0, until);
        assertTrue(until - System.nanoTime() <= HandOverYield.GRACE_NANOS);
        Await.until("the promise ends", () -> !HandOverYield.isPending(target));
        HandOverYield.promised(target);
        HandOverYield.kept(target);
        assertFalse(HandOverYield.isPending(target));
        // Promises of keys nobody asks about again do not pile up.
        List<LockPorts> once = new ArrayList<>();
        for (int i = 0; i < HandOverYield.PURGE_ABOVE + 10; i++) {
            once.add(PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey()));
            HandOverYield.promised(once.get(i));
        }
        LockPorts last = once.get(once.size() - 1);
        Await.until("the promises end", () -> !HandOverYield.isPending(last));
        HandOverYield.promised(target);
        assertTrue(HandOverYield.size() <= HandOverYield.PURGE_ABOVE,
                HandOverYield.size() + " promises kept, all of them ended");
        HandOverYield.kept(target);
    }

    @Test
    void theOriginalsBindWithoutListenLeavesWaitersPolling() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        List<Socket> original = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            original.add(PortFixtures.plainBind(target.socketAddresses().get(i)));
        }
        List<CompletableFuture<Long>> waiters = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiters.add(acquireAndRelease(Portlock.builder(target.key())
                    .timeout(Duration.ofSeconds(60)).sleepTime(Duration.ofMillis(50)).build()));
        }
        // Not a sleep for synchronisation: the waiters must go on waiting while the original
        // holds, and it never listens, so no line can be had.
        assertThrows(TimeoutException.class, () -> CompletableFuture.anyOf(
                waiters.toArray(new CompletableFuture<?>[0])).get(300, TimeUnit.MILLISECONDS));
        assertTrue(Tcp.connectionsTo(target.numbers()).isEmpty(), "a line to a non-listener");
        for (Socket s : original) {
            s.close();
        }
        for (CompletableFuture<Long> w : waiters) {
            assertNotNull(w.get(30, TimeUnit.SECONDS));
        }
        Fds.awaitSockets(fds, Await.PATIENCE);
    }

    @Test
    void aHolderKilledInTheMiddleOfAHandOverStillWakesItsWaiters() throws Exception {
        LockPorts target = PortFixtures.freePorts();
        long fds = Fds.sockets();
        Process child = ChildJvm.start(HandOverCrashChild.class, target.key());
        try {
            ChildJvm.awaitLine(child, "HELD");
            // Polling every 5 s: the first acquire within 4 s of the kill is the reset's wake.
            Portlock first = Portlock.builder(target.key()).timeout(Duration.ofSeconds(60))
                    .sleepTime(Duration.ofSeconds(5)).build();
            Portlock second = Portlock.builder(target.key()).timeout(Duration.ofSeconds(60))
                    .sleepTime(Duration.ofSeconds(5)).build();
            CompletableFuture<Long> a = acquireAndRelease(first);
            CompletableFuture<Long> b = acquireAndRelease(second);
            Await.until("both waiters are lined up",
                    () -> Tcp.connectionsTo(target.numbers()).size() == 2);
            ChildJvm.send(child, "COLLECT");
            assertEquals("COLLECTED 2", ChildJvm.awaitLine(child, "COLLECTED"));
            long killedAt = System.nanoTime();
            child.destroyForcibly(); // SIGKILL between reading the tickets and answering
            long firstAt = Math.min(a.get(30, TimeUnit.SECONDS), b.get(30, TimeUnit.SECONDS));
            long ms = TimeUnit.NANOSECONDS.toMillis(firstAt - killedAt);
            assertTrue(ms < 4_000, "the first waiter got it " + ms + " ms after the kill");
        } finally {
            child.destroyForcibly();
        }
        ChildJvm.awaitExit(child, Await.PATIENCE);
        Fds.awaitSockets(fds, Await.PATIENCE);
    }
}
