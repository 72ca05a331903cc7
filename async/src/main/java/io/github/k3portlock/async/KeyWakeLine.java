package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.HandOverYield;
import io.github.k3portlock.internal.Ticket;
import io.github.k3portlock.internal.WakeLine;
import io.github.k3portlock.internal.WakePolicy;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The wake line of one {@link KeyPoller}: while the key's waiters poll, one connection to a port
 * on which the holder listens, shared by all of them. The kernel resets it when the holder closes
 * that port (release, crash, {@code kill -9}); the reset makes the poller attempt at once.
 *
 * <p>All state is guarded by the poller's lock; every method whose name ends in {@code Locked}
 * runs under it. Channels are opened under the lock (one non-blocking system call) but connected,
 * read and closed only after unlocking, through the {@link Io} list the caller carries out.
 *
 * <p><b>Threads.</b> No thread per waiter: every line of the JVM is a non-blocking
 * {@code SocketChannel} served by the one {@link WakeLoop} thread, which also runs the reset's
 * attempt. Lines are set up by {@link WakePolicy#prepare}: {@code SO_LINGER=0} makes their close
 * a reset, which leaves nothing on either side (no {@code CLOSE_WAIT} on the holder's port, no
 * {@code FIN_WAIT2} or {@code TIME_WAIT} here).
 *
 * <p><b>Fairness across processes.</b> Each line carries the {@link Ticket} of the poller's polling
 * session (issued with its first line, kept until the poller stops polling), so the key's waiters
 * in this JVM queue as one waiter that started when the session did, and keep their place when the
 * line reconnects. The holder's verdict ({@link io.github.k3portlock.internal.HandOver}) decides
 * the next attempt: {@code YOURS} attempts at once, even while this JVM's own promise is pending
 * ({@link HandOverYield}); {@code WAIT}, or a pending promise of this JVM, bars attempts ({@link
 * #mayAttemptLocked}) until the next holder listens (a line to it is up) or the grace runs out,
 * looking for it every {@link #LOOK_NANOS}.
 */
final class KeyWakeLine {
    /**
     * How often a key is polled while its line is up: the line tells of the holder's release, so
     * polling is only the safety net for what the reset cannot tell (a stranger listening on the
     * port connected to while the holder sits on the other two).
     */
    static final long CONNECTED_POLL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** While attempts are barred: how often to look for the next holder (a connect). */
    static final long LOOK_NANOS = TimeUnit.MICROSECONDS.toNanos(250);

    /** Where the line is; see {@link #state} for the transitions. */
    enum State {
        /** No line; one may be opened at the next failed attempt (after {@link #retryAt}). */
        NONE,
        /** Connecting to port {@link #portIndex}. */
        CONNECTING,
        /** Connected; a read is pending until the reset. */
        CONNECTED,
        /** No line to be had (the peer answered, or no channel): none until polling stops. */
        OFF;

        boolean canMoveTo(State next) {
            return switch (this) {
                case NONE -> next == CONNECTING || next == OFF || next == NONE;
                case CONNECTING -> true; // next port, connected, none answered, no channel
                case CONNECTED -> next == NONE || next == OFF;
                case OFF -> next == NONE;
            };
        }
    }

    /** I/O to start or channels to close once the poller's lock is released. */
    static final class Io {
        private List<SocketChannel> toClose;
        private Runnable start;

        void close(SocketChannel ch) {
            if (toClose == null) {
                toClose = new ArrayList<>(2);
            }
            toClose.add(ch);
        }

        void run(LockPorts target) {
            if (toClose != null) {
                for (SocketChannel ch : toClose) {
                    WakeLoop.get().close(ch, target.key());
                }
            }
            if (start != null) {
                start.run();
            }
        }
    }

    private final KeyPoller poller;
    private final LockPorts target;
    private final long sleepNanos;
    /** Off in tests that measure polling alone. */
    private final boolean enabled;

    /**
     * Where the line is. Possible transitions:
     * <pre>
     *   NONE ---open---&gt; CONNECTING ---connected---&gt; CONNECTED ---reset---&gt; NONE
     *    |                |  ^    |                       |
     *    | no channel     |  +----+ refused: next port    | the peer answered (data, FIN)
     *    v                v                               v
     *   OFF &lt;-- no channel for the next port            OFF
     *   CONNECTING ---no port answered (retry a sleep time later)---&gt; NONE
     *   any ---{@link #stopLocked stop}: the poller holds, idles or retires---&gt; NONE
     * </pre>
     * Guarded by the poller's lock; changed only by {@link #moveTo}, which rejects any other
     * transition.
     */
    private State state = State.NONE;
    private SocketChannel channel;
    /** Bumped whenever the line is dropped: handlers of an older line do nothing. */
    private long gen;
    private int portIndex;
    /** No new line before this instant (after no port answered, or futile wakes). */
    private long retryAt;
    private boolean retryAtSet;
    private final WakePolicy policy = new WakePolicy();
    /** The polling session's place in the key's queue; {@code null} while not polling. */
    private Ticket ticket;
    /** Attempts barred (a WAIT, or this JVM's pending promise) until {@link #nextUntil}. */
    private boolean barred;
    private long nextUntil;
    /** Lines opened in this JVM, for tests. */
    static final LongAdder OPENED = new LongAdder();

    KeyWakeLine(KeyPoller poller, LockPorts target, long sleepNanos, boolean enabled) {
        this.poller = poller;
        this.target = target;
        this.sleepNanos = sleepNanos;
        this.enabled = enabled;
    }

    private void moveTo(State next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("illegal wake line transition " + state + " -> "
                    + next + " for lock '" + target.key() + "'");
        }
        state = next;
    }

    boolean isConnected() {
        return state == State.CONNECTED;
    }

    /** The poll interval while the line is up: the safety net, never below the sleep time. */
    long connectedPollNanos() {
        return Math.max(sleepNanos, CONNECTED_POLL_NANOS);
    }

    /**
     * When to attempt again after a failed or barred attempt.
     *
     * @param barred the attempt was barred: look for the next holder soon (not before a WAIT's
     *     delay)
     * @param now the poller's clock
     * @param backoffNanos the backoff otherwise
     * @return nanoseconds from now
     */
    long pollNanos(boolean barred, long now, long backoffNanos) {
        return barred ? Math.max(LOOK_NANOS, retryAtSet ? retryAt - now : 0)
                : isConnected() ? connectedPollNanos() : backoffNanos;
    }

    /**
     * After a failed attempt: opens a line if none is up and none is barred.
     *
     * @throws io.github.k3portlock.PortlockException if this process is out of descriptors
     */
    void startLocked(long now, Io io) {
        if (!enabled || state != State.NONE || (retryAtSet && now - retryAt < 0)) {
            return;
        }
        retryAtSet = false;
        portIndex = 0;
        connectLocked(io);
    }

    /**
     * Tells whether the poller may attempt now: not while the key is promised to another waiter
     * (a {@code WAIT} verdict, or this JVM's pending promise), until the next holder listens or
     * the grace runs out. The chosen waiter's attempt is never barred, and ends the promise.
     *
     * @param chosen the attempt follows a {@code YOURS}
     */
    boolean mayAttemptLocked(boolean chosen) {
        if (chosen) {
            HandOverYield.kept(target);
            barred = false;
            return true;
        }
        long until = HandOverYield.pendingUntil(target);
        if (until != 0 && (!barred || until - nextUntil > 0)) {
            barred = true;
            nextUntil = until;
        }
        if (barred && System.nanoTime() - nextUntil >= 0) { // the promise's clock, not the poller's
            barred = false; // the grace ran out: attempt as usual
        }
        return !barred;
    }

    /** Drops the line: the poller stops polling (it holds, idles, or retires). */
    void stopLocked(Io io) {
        dropLocked(io);
        moveTo(State.NONE);
        retryAtSet = false;
        policy.reset();
        ticket = null;
        barred = false;
    }

    /** The attempt a reset caused has failed: count it. */
    void wokeInVainLocked(long now) {
        if (policy.wokeInVain()) {
            // A lost wake, or a peer that resets every connection at once (no holder): one
            // sleep time without a line, then wakes again.
            policy.reset();
            retryAt = now + sleepNanos;
            retryAtSet = true;
        }
    }

    /** The attempt a reset caused has succeeded (or found nobody waiting). */
    void usefulLocked() {
        policy.reset();
    }

    private void dropLocked(Io io) {
        gen++;
        if (channel != null) {
            io.close(channel);
            channel = null;
        }
    }

    private void connectLocked(Io io) {
        List<InetSocketAddress> addresses = target.socketAddresses();
        InetSocketAddress address = addresses.get(portIndex);
        SocketChannel ch;
        try {
            ch = SocketChannel.open(address.getAddress() instanceof Inet4Address
                    ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        } catch (IOException | RuntimeException e) {
            if (Descriptors.isOutOfDescriptors(e)) {
                throw Descriptors.outOfDescriptors(target, address.getPort(), e, "connect to");
            }
            moveTo(State.OFF); // no line to be had here: poll
            return;
        }
        try {
            ch.configureBlocking(false);
            WakePolicy.prepare(ch);
        } catch (IOException | RuntimeException e) {
            Descriptors.close(ch, target.key(), address.getPort(), e);
            moveTo(State.OFF);
            return;
        }
        OPENED.increment();
        channel = ch;
        moveTo(State.CONNECTING);
        long g = ++gen;
        if (ticket == null) {
            ticket = Ticket.issue(); // the session's first line
        }
        ByteBuffer sent = ticket.encode(); // now: the session may end before the I/O starts
        io.start = () -> WakeLoop.get().connect(ch, address, target.key(), sent,
                new WakeLoop.Listener() {
                    @Override
                    public void connectDone(boolean connected) {
                        poller.wakeConnectDone(g, connected);
                    }

                    @Override
                    public void ended(WakeLine.Result result, long waitMicros) {
                        poller.wakeEnded(g, result, waitMicros);
                    }
                });
    }

    /**
     * The connect of line {@code g} completed ({@code connected}; the loop reads it from now on)
     * or failed: keep it, or try the next port.
     *
     * @throws io.github.k3portlock.PortlockException if this process is out of descriptors
     */
    void connectDoneLocked(long g, boolean connected, long now, Io io) {
        if (g != gen || state != State.CONNECTING) {
            return; // dropped meanwhile
        }
        SocketChannel ch = channel;
        try {
            // A TCP self-connect on a free port: nobody is there.
            connected = connected
                    && !WakePolicy.isSelfConnect(ch, target.numbers().get(portIndex));
        } catch (IOException | RuntimeException e) {
            connected = false;
        }
        if (!connected) {
            connectFailedLocked(now, io);
            return;
        }
        moveTo(State.CONNECTED);
        if (barred) {
            barred = false; // the next holder listens: our ticket is in its queue
            HandOverYield.kept(target);
        }
    }

    /** The connect failed (refused, reset, or to itself): the next port, or none. */
    private void connectFailedLocked(long now, Io io) {
        dropLocked(io);
        if (++portIndex < target.numbers().size()) {
            connectLocked(io);
            return;
        }
        // Nobody listens (the ports are free, or bound without listen by the Python original):
        // polling finds it; a new line is tried only a sleep time later, so that a holder that
        // never listens does not cost a round of connects per poll.
        moveTo(State.NONE);
        retryAt = barred ? now : now + sleepNanos; // barred: the next look comes soon
        retryAtSet = true;
    }

    /**
     * The read of line {@code g} ended.
     *
     * @return how, or {@code null} if nothing follows (that line was dropped meanwhile, or the
     *     peer is a stranger); after {@code WAIT} attempts are barred for the grace
     */
    WakeLine.Result endedLocked(long g, WakeLine.Result result, long waitMicros, long now,
            Io io) {
        if (g != gen || state != State.CONNECTED) {
            return null;
        }
        dropLocked(io);
        moveTo(result == WakeLine.Result.STRANGER ? State.OFF : State.NONE);
        if (result == WakeLine.Result.WAIT) {
            // No look for the next holder before our turn comes near (the holder's guess).
            long delay = TimeUnit.MICROSECONDS.toNanos(waitMicros);
            retryAt = now + delay;
            retryAtSet = true;
            barred = true;
            nextUntil = System.nanoTime() + Math.max(HandOverYield.GRACE_NANOS, delay);
        }
        return result == WakeLine.Result.STRANGER ? null : result;
    }

    @Override
    public String toString() {
        return "KeyWakeLine{" + target + ", " + state + "}";
    }
}
