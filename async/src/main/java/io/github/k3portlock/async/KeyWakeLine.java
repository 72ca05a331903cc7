package io.github.k3portlock.async;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.WakeLine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The wake line of one {@link KeyPoller}: while the key's waiters poll, one connection to a port
 * on which the holder listens, shared by all of them. The kernel resets it when the holder closes
 * that port (release, crash, {@code kill -9}); the reset makes the poller attempt at once.
 *
 * <p>All state is guarded by the poller's lock; every method whose name ends in {@code Locked}
 * runs under it. Channels are opened under the lock (one non-blocking system call) but connected,
 * read and closed only after unlocking, through the {@link Io} list the caller carries out: a
 * completion handler may run on the calling thread, and must not find the lock held.
 *
 * <p><b>Threads.</b> No {@code Selector} in our code and no thread per waiter: every line of the
 * JVM is an {@link AsynchronousSocketChannel} of one shared {@link AsynchronousChannelGroup} with
 * a fixed pool of one daemon thread ({@code k3portlock-async-wake-1}, created with the first line),
 * which waits in {@code epoll} and runs the reset's attempt. (The JDK's default group would start
 * one internal thread plus one per processor.)
 */
final class KeyWakeLine {
    /**
     * How often a key is polled while its line is up: the line tells of the holder's release, so
     * polling is only the safety net for what the reset cannot tell (a stranger listening on the
     * port connected to while the holder sits on the other two).
     */
    static final long CONNECTED_POLL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Wakes in a row whose attempt failed, after which no line is opened for one sleep time: a
     * key that lost a wake sits one out, which keeps a herd of losers small (see Portlock).
     */
    static final int MAX_FUTILE_WAKES = 1;

    /** Where the line is; see {@link #state}. */
    enum State {
        /** No line; one may be opened at the next failed attempt (after {@link #retryAt}). */
        NONE,
        /** Connecting to port {@link #portIndex}. */
        CONNECTING,
        /** Connected; a read is pending until the reset. */
        CONNECTED,
        /** The peer is no lock holder (it answered): no line until the poller stops polling. */
        OFF
    }

    /** The shared group: one daemon thread for every line of the JVM. */
    private static final class Group {
        static final AsynchronousChannelGroup INSTANCE = create();

        private static AsynchronousChannelGroup create() {
            try {
                return AsynchronousChannelGroup.withFixedThreadPool(1,
                        DefaultExecutors.daemonThreads("k3portlock-async-wake"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot start the wake thread", e);
            }
        }
    }

    /** I/O to start or channels to close once the poller's lock is released. */
    static final class Io {
        private List<AsynchronousSocketChannel> toClose;
        private Runnable start;

        void close(AsynchronousSocketChannel ch) {
            if (toClose == null) {
                toClose = new java.util.ArrayList<>(2);
            }
            toClose.add(ch);
        }

        void run(LockPorts target) {
            if (toClose != null) {
                for (AsynchronousSocketChannel ch : toClose) {
                    Descriptors.close(ch, target.key(), -1, null);
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

    /**
     * Possible transitions: NONE -&gt; CONNECTING -&gt; CONNECTED -&gt; NONE (a reset);
     * CONNECTING -&gt; CONNECTING (the next port) or NONE (no port answered, retry later);
     * CONNECTED -&gt; OFF (the peer answered); any -&gt; NONE when the poller stops polling.
     */
    private State state = State.NONE;
    private AsynchronousSocketChannel channel;
    /** Bumped whenever the line is dropped: handlers of an older line do nothing. */
    private long gen;
    private int portIndex;
    /** No new line before this instant (after no port answered, or futile wakes). */
    private long retryAt;
    private boolean retryAtSet;
    private int futileWakes;
    /** Lines opened in this JVM, for tests. */
    static final java.util.concurrent.atomic.LongAdder OPENED = new java.util.concurrent.atomic.LongAdder();
    /** Lines opened by this poller, for tests. */
    private long opened;

    KeyWakeLine(KeyPoller poller, LockPorts target, long sleepNanos) {
        this.poller = poller;
        this.target = target;
        this.sleepNanos = sleepNanos;
    }

    boolean isConnected() {
        return state == State.CONNECTED;
    }

    /** The poll interval while the line is up: the safety net, never below the sleep time. */
    long connectedPollNanos() {
        return Math.max(sleepNanos, CONNECTED_POLL_NANOS);
    }

    long opened() {
        return opened;
    }

    /**
     * After a failed attempt: opens a line if none is up and none is barred.
     *
     * @throws io.github.k3portlock.PortlockException if this process is out of descriptors
     */
    void startLocked(long now, Io io) {
        if (state != State.NONE || (retryAtSet && now - retryAt < 0)) {
            return;
        }
        retryAtSet = false;
        portIndex = 0;
        connectLocked(io);
    }

    /** Drops the line: the poller stops polling (it holds, idles, or retires). */
    void stopLocked(Io io) {
        dropLocked(io);
        state = State.NONE;
        retryAtSet = false;
        futileWakes = 0;
    }

    /** The attempt a reset caused has failed: count it. */
    void futileLocked(long now) {
        if (++futileWakes >= MAX_FUTILE_WAKES) {
            // A lost wake, or a peer that resets every connection at once (no holder): one
            // sleep time without a line, then wakes again.
            futileWakes = 0;
            retryAt = now + sleepNanos;
            retryAtSet = true;
        }
    }

    /** The attempt a reset caused has succeeded (or found nobody waiting). */
    void usefulLocked() {
        futileWakes = 0;
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
        AsynchronousSocketChannel ch;
        try {
            ch = AsynchronousSocketChannel.open(Group.INSTANCE);
        } catch (IOException | RuntimeException e) {
            if (Descriptors.isOutOfDescriptors(e)) {
                throw Descriptors.outOfDescriptors(target, address.getPort(), e, "connect to");
            }
            state = State.OFF; // no line to be had here: poll
            return;
        }
        try {
            WakeLine.prepare(ch);
        } catch (IOException | RuntimeException e) {
            Descriptors.close(ch, target.key(), address.getPort(), e);
            state = State.OFF;
            return;
        }
        opened++;
        OPENED.increment();
        channel = ch;
        state = State.CONNECTING;
        long g = ++gen;
        io.start = () -> {
            try {
                ch.connect(address, null, new CompletionHandler<Void, Void>() {
                    @Override
                    public void completed(Void result, Void nothing) {
                        poller.wakeConnected(g);
                    }

                    @Override
                    public void failed(Throwable exc, Void nothing) {
                        poller.wakeConnectFailed(g);
                    }
                });
            } catch (RuntimeException refused) {
                poller.wakeConnectFailed(g); // the group refused (shut down): as refused
            }
        };
    }

    /** The connect of line {@code g} completed: start the read, or try the next port. */
    void connectedLocked(long g, long now, Io io) {
        if (g != gen || state != State.CONNECTING) {
            return; // dropped meanwhile
        }
        AsynchronousSocketChannel ch = channel;
        int port = target.numbers().get(portIndex);
        try {
            if (((InetSocketAddress) ch.getLocalAddress()).getPort() == port) {
                connectFailedLocked(g, now, io); // a TCP self-connect on a free port: nobody there
                return;
            }
        } catch (IOException | RuntimeException e) {
            connectFailedLocked(g, now, io);
            return;
        }
        state = State.CONNECTED;
        ByteBuffer one = ByteBuffer.allocate(1);
        io.start = () -> {
            try {
                ch.read(one, null, new CompletionHandler<Integer, Void>() {
                    @Override
                    public void completed(Integer n, Void nothing) {
                        poller.wakeEnded(g, false); // data or an orderly close: no lock holder
                    }

                    @Override
                    public void failed(Throwable exc, Void nothing) {
                        poller.wakeEnded(g, true); // the reset
                    }
                });
            } catch (RuntimeException refused) {
                poller.wakeEnded(g, false); // no read to be had: no line for this wait, poll
            }
        };
    }

    /** The connect of line {@code g} failed (refused, or reset): the next port, or none. */
    void connectFailedLocked(long g, long now, Io io) {
        if (g != gen || state != State.CONNECTING) {
            return;
        }
        dropLocked(io);
        if (++portIndex < target.numbers().size()) {
            connectLocked(io);
            return;
        }
        // Nobody listens (the ports are free, or bound without listen by the Python original):
        // polling finds it; a new line is tried only a sleep time later, so that a holder that
        // never listens does not cost a round of connects per poll.
        state = State.NONE;
        retryAt = now + sleepNanos;
        retryAtSet = true;
    }

    /**
     * The read of line {@code g} ended.
     *
     * @return {@code true} if this is a wake of the current line: attempt now
     */
    boolean endedLocked(long g, boolean reset, Io io) {
        if (g != gen || state != State.CONNECTED) {
            return false;
        }
        dropLocked(io);
        state = reset ? State.NONE : State.OFF;
        return reset;
    }

    @Override
    public String toString() {
        return "KeyWakeLine{" + target + ", " + state + "}";
    }
}
