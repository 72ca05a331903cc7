package io.github.k3portlock.async;

import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.Ticket;
import io.github.k3portlock.internal.WakeLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread of the JVM that connects, reads and closes every asynchronous waiter's wake
 * line: a daemon thread ({@code k3portlock-async-wake-1}, started with the first line) waiting in
 * a {@link Selector} over non-blocking {@link SocketChannel}s. No thread per waiter, and none per
 * key.
 *
 * <p>Why not {@code AsynchronousSocketChannel}: it does not support {@code SO_LINGER}, so its
 * close sends a FIN, which leaves the holder's end of the line in {@code CLOSE_WAIT} and ours in
 * {@code FIN_WAIT2}. A {@code SocketChannel} takes {@code SO_LINGER=0}: its close is a reset,
 * like a blocking waiter's. Lines are closed on this thread only, after their key is cancelled.
 *
 * <p>Thread-safe: other threads hand work over through a queue and wake the selector. Listeners
 * run on this thread, one at a time; they must not block.
 */
final class WakeLoop implements Runnable {
    /** What a line's owner hears: first how the connect ended, then how the read ended. */
    interface Listener {
        /** The connect completed ({@code true}), or failed or timed out ({@code false}). */
        void connectDone(boolean connected);

        /**
         * The read ended: {@code RESET} by the holder's close, {@code YOURS} or {@code WAIT} (the
         * holder's verdict, {@link io.github.k3portlock.internal.HandOver}), or {@code STRANGER}
         * (other data, or an orderly close); {@code waitMicros} is the delay that came with a
         * {@code WAIT}.
         */
        void ended(WakeLine.Result result, long waitMicros);
    }

    /**
     * How long a connect may take before the line tries the next port: a loopback handshake
     * completes at once, unless the port's accept queue is full and the SYN is dropped.
     */
    static final long CONNECT_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final class Holder {
        static final WakeLoop INSTANCE = start();

        private static WakeLoop start() {
            WakeLoop loop;
            try {
                loop = new WakeLoop(Selector.open());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the wake thread", e);
            }
            DefaultExecutors.daemonThreads("k3portlock-async-wake").newThread(loop).start();
            return loop;
        }
    }

    /** A line's registration: its listener, the key for messages, its connect deadline. */
    private static final class Line {
        final SocketChannel channel;
        final String key;
        final Listener listener;
        final long connectBy;
        /** The waiter's ticket, written as soon as the line is connected. */
        final ByteBuffer ticket;
        boolean connecting = true;

        Line(SocketChannel channel, String key, Listener listener, long connectBy,
                ByteBuffer ticket) {
            this.channel = channel;
            this.key = key;
            this.listener = listener;
            this.connectBy = connectBy;
            this.ticket = ticket;
        }
    }

    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Lines still connecting; touched by the loop thread only. */
    private final List<Line> connecting = new ArrayList<>();
    private final ByteBuffer scratch = ByteBuffer.allocate(Ticket.WAIT_LENGTH);

    private WakeLoop(Selector selector) {
        this.selector = selector;
    }

    static WakeLoop get() {
        return Holder.INSTANCE;
    }

    /**
     * Connects {@code ch} (open, non-blocking, options set) to {@code address}, writes
     * {@code ticket}, then reads it until the peer resets or answers; {@code listener} hears of
     * each.
     */
    void connect(SocketChannel ch, InetSocketAddress address, String key, ByteBuffer ticket,
            Listener listener) {
        submit(() -> {
            Line line = new Line(ch, key, listener, System.nanoTime() + CONNECT_TIMEOUT_NANOS,
                    ticket);
            boolean connected;
            try {
                ch.register(selector, SelectionKey.OP_CONNECT, line);
                connected = ch.connect(address);
            } catch (IOException | RuntimeException refused) {
                line.connecting = false;
                cancel(ch);
                listener.connectDone(false);
                return;
            }
            if (connected) {
                connected(line);
            } else {
                connecting.add(line);
            }
        });
    }

    /** Closes {@code ch} (a reset, with {@code SO_LINGER=0}); never throws. */
    void close(SocketChannel ch, String key) {
        submit(() -> {
            connecting.removeIf(line -> line.channel == ch);
            cancel(ch);
            Descriptors.close(ch, key, -1, null);
        });
    }

    private void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    @Override
    public void run() {
        while (true) {
            try {
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    task.run();
                }
                long wait = nextConnectTimeoutMillis();
                if (wait < 0) {
                    selector.selectNow();
                } else {
                    selector.select(wait);
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isValid()) {
                        ready(k, (Line) k.attachment());
                    }
                }
                expireConnects();
            } catch (Throwable e) {
                // Never let the one wake thread die: a listener's failure is the poller's bug,
                // and its waiters still poll.
                if (e instanceof VirtualMachineError err) {
                    throw err;
                }
            }
        }
    }

    private void ready(SelectionKey k, Line line) {
        if (line.connecting) {
            try {
                if (!line.channel.finishConnect()) {
                    return;
                }
            } catch (IOException | RuntimeException refused) {
                connecting.remove(line);
                line.connecting = false;
                cancel(line.channel);
                line.listener.connectDone(false);
                return;
            }
            connecting.remove(line);
            connected(line);
            return;
        }
        WakeLine.Result result;
        try {
            scratch.clear();
            int n = line.channel.read(scratch);
            if (n == 0) {
                return; // nothing after all: read on
            }
            byte b = scratch.get(0);
            result = n < 0 ? WakeLine.Result.STRANGER // an orderly close: no lock holder
                    : b == Ticket.YOURS ? WakeLine.Result.YOURS
                    : b == Ticket.WAIT ? WakeLine.Result.WAIT : WakeLine.Result.STRANGER;
        } catch (IOException | RuntimeException e) {
            result = WakeLine.Result.RESET; // "Connection reset": the holder closed its port
        }
        long waitMicros = result == WakeLine.Result.WAIT && scratch.position() == Ticket.WAIT_LENGTH
                ? scratch.getInt(1) & 0xFFFF_FFFFL : 0;
        cancel(line.channel);
        line.listener.ended(result, waitMicros);
    }

    private void connected(Line line) {
        line.connecting = false;
        try {
            line.channel.write(line.ticket); // 24 bytes into an empty send buffer: all of them
        } catch (IOException | RuntimeException e) {
            cancel(line.channel);
            line.listener.connectDone(false); // reset at once: as refused
            return;
        }
        SelectionKey k = line.channel.keyFor(selector);
        if (k != null && k.isValid()) {
            k.interestOps(SelectionKey.OP_READ);
        }
        line.listener.connectDone(true);
    }

    /** Milliseconds to the next connect deadline: 0 for none (wait for work), -1 if passed. */
    private long nextConnectTimeoutMillis() {
        if (connecting.isEmpty()) {
            return 0;
        }
        long now = System.nanoTime();
        long first = Long.MAX_VALUE;
        for (Line line : connecting) {
            first = Math.min(first, line.connectBy - now);
        }
        return first <= 0 ? -1 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(first));
    }

    private void expireConnects() {
        long now = System.nanoTime();
        for (Iterator<Line> it = connecting.iterator(); it.hasNext();) {
            Line line = it.next();
            if (line.connectBy - now <= 0) {
                it.remove();
                line.connecting = false;
                cancel(line.channel);
                line.listener.connectDone(false); // the SYN was dropped: a full accept queue
            }
        }
    }

    private void cancel(SocketChannel ch) {
        SelectionKey k = ch.keyFor(selector);
        if (k != null) {
            k.cancel();
        }
    }
}
