package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A blocking waiter's line to the holder of a key: a TCP connection to one of the key's ports on
 * which a holder listens, on which the waiter {@linkplain #send sends} its {@link Ticket}. The
 * holder accepts it only when it releases ({@link HandOver}) and answers {@link Result#YOURS} or
 * {@link Result#WAIT}; a holder that cannot answer (a crash, {@code kill -9}) or does not (an
 * older version) makes the kernel reset the line: {@link #await} returns at once either way.
 * Not thread-safe: one waiting thread owns it.
 *
 * <p>Only a verdict or a reset counts as a wake. A peer that answers with other data or an
 * orderly close is not a lock holder (a stranger's server on one of the ports): the line is
 * dropped and the waiter polls.
 * Whatever cannot be connected to (a free port, the Python original's bind without listen, a full
 * accept queue that drops the handshake) leaves the waiter polling every {@code sleepTime}, as
 * before: a connect never waits longer than the pause it replaces.
 *
 * <p><b>Not a false holder.</b> The line's local port may be one of a lock's ports:
 * {@link WakePolicy#prepare} keeps it from blocking that lock and from leaving a {@code TIME_WAIT}
 * behind ({@link io.github.k3portlock.status.LockStatus} explains both).
 */
public final class WakeLine implements AutoCloseable {
    /** How a {@link #await wait} ended. */
    public enum Result {
        /** The holder closed its port without a verdict (a crash, a barging release): attempt. */
        RESET,
        /** The holder released and chose this waiter ({@link Ticket#YOURS}): attempt now. */
        YOURS,
        /** The holder released to an older waiter ({@link Ticket#WAIT}): see {@link HandOver}. */
        WAIT,
        /** Nothing happened within the time given: poll as usual; the line stays up. */
        TIMED_OUT,
        /** The peer is no lock holder (it sent data, or closed in order): the line is closed. */
        STRANGER
    }

    private final LockPorts target;
    private final int port;
    private final SocketChannel channel;
    private final InputStream in;
    private boolean closed;
    /** The delay of the last {@code WAIT} verdict, see {@link #waitMicros()}. */
    private int waitMicros;

    private WakeLine(LockPorts target, int port, SocketChannel channel) throws IOException {
        this.target = target;
        this.port = port;
        this.channel = channel;
        this.in = channel.socket().getInputStream();
    }

    /**
     * Connects to the first of {@code target}'s ports that accepts a connection, trying them in
     * order, within {@code nanos} in all. That is the lowest port the holder holds: the one it
     * binds first, accepts the waiters' lines on, and closes last ({@link PortHandle#release()}),
     * so a wake by its close finds the others free already.
     *
     * @param target the key's ports
     * @param nanos how long connecting may take (it replaces a pause of that length)
     * @return the line, or {@code null} if no port accepted a connection in time
     * @throws PortlockException if this process is out of file descriptors, or if the thread is
     *     interrupted (its interrupt status is then set)
     */
    public static WakeLine connect(LockPorts target, long nanos) {
        long deadline = System.nanoTime() + nanos;
        List<InetSocketAddress> addresses = target.socketAddresses();
        for (InetSocketAddress address : addresses) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            WakeLine w = connect(target, address, left);
            if (w != null) {
                return w;
            }
        }
        return null;
    }

    private static WakeLine connect(LockPorts target, InetSocketAddress address, long nanos) {
        int port = address.getPort();
        SocketChannel ch = null;
        Throwable failure = null;
        try {
            ch = SocketChannel.open(address.getAddress() instanceof java.net.Inet4Address
                    ? java.net.StandardProtocolFamily.INET : java.net.StandardProtocolFamily.INET6);
            WakePolicy.prepare(ch);
            ch.socket().connect(address, millis(nanos));
            if (WakePolicy.isSelfConnect(ch, port)) {
                return null; // a TCP self-connect on a free port: nobody is there (finally closes)
            }
            WakeLine w = new WakeLine(target, port, ch);
            ch = null;
            return w;
        } catch (IOException e) {
            failure = e;
            if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
                // The channel was closed by the interrupt (the JDK may rewrap the exception).
                Thread.currentThread().interrupt();
                throw LockErrors.interrupted(target, interruption(e));
            }
            if (e instanceof ConnectException || e instanceof SocketTimeoutException) {
                return null; // refused (free, or bound without listen), or the SYN was dropped
            }
            if (Descriptors.isOutOfDescriptors(e)) {
                throw Descriptors.outOfDescriptors(target, port, e, "connect to");
            }
            return null; // any other refusal: poll, as without the wake
        } catch (RuntimeException | Error e) {
            failure = e;
            if (Descriptors.isOutOfDescriptors(e)) {
                throw Descriptors.outOfDescriptors(target, port, e, "connect to");
            }
            if (e instanceof Error err) {
                throw err;
            }
            return null; // any other refusal: poll, as without the wake
        } finally {
            if (ch != null) {
                Descriptors.close(ch, target.key(), port, failure);
            }
        }
    }

    /**
     * Waits up to {@code nanos} for the holder to close the port.
     *
     * @param nanos how long, positive; waits at least a millisecond (the socket timeout's unit)
     * @return how it ended; after {@link Result#RESET}, {@link Result#WAIT} and
     *     {@link Result#STRANGER} the line is closed; after {@link Result#YOURS} the caller closes
     *     it once it has attempted (the holder resets it anyway)
     * @throws PortlockException if the thread is interrupted (the line is then closed and the
     *     interrupt status set)
     */
    public Result await(long nanos) {
        if (closed) {
            throw new IllegalStateException("wake line to port " + port + " is closed");
        }
        Throwable failure = null;
        try {
            channel.socket().setSoTimeout(millis(nanos));
            int b = in.read();
            failure = new IOException(b < 0 ? "end of stream" : "data");
            if (b == Ticket.YOURS) {
                failure = null; // closed by the caller after its attempt: attempt first
                return Result.YOURS;
            }
            if (b == Ticket.WAIT) {
                waitMicros = 0;
                for (int i = 1; i < Ticket.WAIT_LENGTH; i++) {
                    int next = in.read(); // sent with the verdict: buffered already
                    if (next < 0) {
                        break;
                    }
                    waitMicros = waitMicros << 8 | next;
                }
                return Result.WAIT;
            }
            // Other data, or an orderly close: not the holder of a lock port.
            return Result.STRANGER;
        } catch (SocketTimeoutException e) {
            if (!Thread.currentThread().isInterrupted()) {
                return Result.TIMED_OUT;
            }
            failure = e;
            throw LockErrors.interrupted(target, interruption(e));
        } catch (IOException e) {
            failure = e;
            if (e instanceof ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
                Thread.currentThread().interrupt();
                throw LockErrors.interrupted(target, interruption(e));
            }
            return Result.RESET; // "Connection reset": the listening socket was closed
        } finally {
            if (failure != null) {
                closed = true;
                Descriptors.close(channel, target.key(), port, null);
            }
        }
    }

    /**
     * Returns the delay that came with the last {@link Result#WAIT}: how long to let pass before
     * looking for the next holder.
     *
     * @return microseconds, 0 if none came
     */
    public long waitMicros() {
        return waitMicros & 0xFFFF_FFFFL;
    }

    /**
     * Writes the waiter's ticket; the kernel buffers it until the holder accepts the line.
     *
     * @param ticket the ticket
     * @return {@code false} if the line is down (it is then closed): poll
     */
    public boolean send(Ticket ticket) {
        try {
            ByteBuffer b = ticket.encode();
            while (b.hasRemaining()) {
                channel.write(b); // 24 bytes into an empty send buffer: never blocks
            }
            return true;
        } catch (IOException | RuntimeException e) {
            close();
            return false;
        }
    }

    /** Closes the line (a reset, with {@code SO_LINGER=0}); idempotent, never throws. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Descriptors.close(channel, target.key(), port, null);
        }
    }

    /**
     * Whole milliseconds for a socket timeout, rounded down so that a wait never outlasts the
     * pause (and the deadline) it replaces; at least 1 (0 would mean forever). Callers wait on the
     * condition instead when less than a millisecond is left.
     */
    static int millis(long nanos) {
        long ms = TimeUnit.NANOSECONDS.toMillis(nanos);
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, ms));
    }

    private static InterruptedException interruption(Exception cause) {
        InterruptedException ie = new InterruptedException("interrupted in a wait for a release");
        ie.initCause(cause);
        return ie;
    }

    @Override
    public String toString() {
        return "WakeLine{" + Checks.quote(target.key()) + " -> port " + port
                + (closed ? ", closed" : "") + "}";
    }
}
