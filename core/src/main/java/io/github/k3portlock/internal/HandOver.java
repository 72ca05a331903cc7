package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * A releasing holder's hand-over to the oldest waiter. Waiters in other processes connect to a held
 * port (the lowest) and write their {@link Ticket}; the holder never accepts until it releases.
 * Then, before closing anything, it {@linkplain #collect accepts} every queued line without
 * blocking and reads each ticket (the kernel buffered it); after closing its ports it {@linkplain
 * #deliver tells} the oldest live waiter {@link Ticket#YOURS} and the others {@link Ticket#WAIT},
 * resets every accepted line ({@code SO_LINGER=0}, set as it is accepted: nothing is left in {@code
 * TIME_WAIT} on a lock port, and a crash resets it too), and records the promise in {@link
 * HandOverYield} so that this JVM does not take the key again before the chosen waiter had its
 * turn.
 *
 * <p><b>Safety never depends on it.</b> Exclusion is the kernel's binds, whatever is said on a
 * line: a waiter told {@code YOURS} still binds the ports, and anyone who binds first (a newcomer,
 * the Python original, which only polls) simply holds the lock. Lines whose bytes are not a ticket
 * (strangers) are reset without a verdict; lines that are already closed (a waiter that gave up)
 * are skipped; a line that has not written its ticket yet is told to wait. A crash of the holder at
 * any point resets every line, queued or accepted, and the waiters race as they did before there
 * was a hand-over.
 *
 * <p>Not thread-safe: made and used by the one thread that releases a handle. Never throws (but
 * {@link VirtualMachineError}): a line that cannot be accepted, read or written is left to the
 * close, which resets it.
 */
public final class HandOver {
    /** The longest delay a {@code WAIT} verdict asks for: 1 s. */
    static final long MAX_WAIT_MICROS = 1_000_000;
    /** At most this many lines are accepted: a full accept queue. */
    static final int MAX_LINES = PortBinder.BACKLOG + 1;

    /** What a line sent; see {@link #read}. */
    private enum Sent {
        /** A ticket: the waiter may be chosen. */
        TICKET,
        /** Nothing yet, still open: a waiter that has not written its ticket; told to wait. */
        NOTHING,
        /** Not a ticket: reset without a verdict. */
        STRANGER,
        /** Closed by the peer: skipped. */
        GONE
    }

    private final LockPorts target;
    private SocketChannel[] lines = new SocketChannel[4];
    private Ticket[] tickets = new Ticket[4];
    private Sent[] sent = new Sent[4];
    private int count;
    private boolean chose;

    private HandOver(LockPorts target) {
        this.target = target;
    }

    /**
     * Accepts every line queued on the lowest held port and reads what each sent, before any port
     * is closed. Waiters connect to the key's ports in order ({@link WakeLine#connect}), and a
     * holder binds in order, so the lowest held port is the first a waiter finds listening, even
     * while the holder is still binding the next. The other held ports are not looked at: an accept
     * costs microseconds on every release, contended or not. A line that sits there all the same (a
     * full accept queue on the lowest port sent the waiter on) is reset by the close and its waiter
     * attempts, as before there was a hand-over.
     *
     * @param target the key's ports
     * @param sockets the held sockets in port order ({@link ServerSocketChannel}s; anything else
     *     is skipped)
     * @return the lines to answer once the ports are closed, or {@code null} if there are none
     */
    public static HandOver collect(LockPorts target, Closeable[] sockets) {
        HandOver h = null;
        if (sockets.length > 0 && sockets[0] instanceof ServerSocketChannel server
                && server.isOpen()) {
            try {
                server.configureBlocking(false);
                SocketChannel line;
                while ((h == null || h.count < MAX_LINES) && (line = server.accept()) != null) {
                    if (h == null) {
                        h = new HandOver(target);
                    }
                    h.add(line);
                }
            } catch (IOException | RuntimeException e) {
                // Out of descriptors, say: the lines left in the queue are reset by the close.
            }
        }
        return h;
    }

    private void add(SocketChannel line) {
        if (count == lines.length) {
            lines = Arrays.copyOf(lines, count * 2);
            tickets = Arrays.copyOf(tickets, count * 2);
            sent = Arrays.copyOf(sent, count * 2);
        }
        lines[count] = line;
        Ticket t = null;
        Sent s;
        try {
            // At once: should this process die before answering, the kernel resets the line
            // (a wake) instead of closing it in order (which a waiter takes for a stranger).
            line.setOption(StandardSocketOptions.SO_LINGER, 0);
            line.configureBlocking(false);
            ByteBuffer in = ByteBuffer.allocate(Ticket.LENGTH + 1);
            s = read(line, in);
            if (s == Sent.TICKET) {
                t = Ticket.parse(in.flip());
                s = t == null ? Sent.STRANGER : Sent.TICKET;
            }
        } catch (IOException | RuntimeException e) {
            s = Sent.GONE; // reset by the peer
        }
        tickets[count] = t;
        sent[count] = s;
        count++;
    }

    /**
     * Reads without blocking until nothing more is there: a live waiter's line holds exactly a
     * ticket, and the next read finds nothing (a closed one finds the end or a reset).
     */
    private static Sent read(SocketChannel line, ByteBuffer in) throws IOException {
        while (in.hasRemaining()) {
            int n = line.read(in);
            if (n < 0) {
                return Sent.GONE;
            }
            if (n == 0) {
                return in.position() == 0 ? Sent.NOTHING
                        : in.position() == Ticket.LENGTH ? Sent.TICKET : Sent.STRANGER;
            }
        }
        return Sent.STRANGER; // more than a ticket
    }

    /**
     * Tells whether a waiter was chosen by {@link #deliver(boolean, long)}.
     *
     * @return {@code true} once a waiter was told {@link Ticket#YOURS}
     */
    public boolean chose() {
        return chose;
    }

    /**
     * Records this JVM's promise if a waiter with a ticket is queued: called before the holder
     * closes its ports, so that no attempt of this JVM (a waiter's timer, the chosen waiter
     * itself) can take the key and end the promise before it is made.
     */
    public void promise() {
        if (oldest() >= 0) {
            HandOverYield.promised(target);
        }
    }

    /**
     * Answers every line, once the holder's ports are closed: {@link Ticket#YOURS} to the oldest
     * live ticket (the next oldest if that line fails), {@link Ticket#WAIT} to the other waiters;
     * then resets every line; ends the promise ({@link #promise()}) if no waiter could be told.
     *
     * <p>A waiter told to wait must be queued again (on the next holder's port) before its turn,
     * but no sooner: the {@code r}-th in line after the chosen one is told to let (r - 1) x 3/4
     * of this holder's hold time pass before it looks for the next holder, so that a release
     * wakes about two waiters, not all of them (each wake costs a reconnection). A wrong guess
     * costs that waiter a turn, never its place: it keeps its ticket.
     *
     * @param promise whether {@link #promise()} was called, so that the promise must end when
     *     no waiter could be told
     * @param heldNanos how long this holder held the key, the guess at the time between turns
     */
    public void deliver(boolean promise, long heldNanos) {
        try {
            int chosen;
            boolean promised = promise && oldest() >= 0;
            // The oldest first, at once: the chosen waiter wakes while the others are answered.
            while ((chosen = oldest()) >= 0 && !answer(chosen, Ticket.YOURS, 0)) {
                // that waiter left meanwhile (answer marked it GONE): the next oldest
            }
            if (chosen >= 0) {
                chose = true;
                sent[chosen] = Sent.GONE; // answered
            } else if (promised) {
                HandOverYield.kept(target); // every candidate left: nobody to wait for
            }
            long stepMicros = Math.max(0, heldNanos) / 1_000 * 3 / 4;
            int rank = 0;
            for (int next; (next = oldest()) >= 0; rank++) { // the waiters, oldest first
                answer(next, Ticket.WAIT, Math.min(MAX_WAIT_MICROS, rank * stepMicros));
                sent[next] = Sent.GONE;
            }
            for (int i = 0; i < count; i++) {
                if (sent[i] == Sent.NOTHING) {
                    answer(i, Ticket.WAIT, 0); // no ticket yet: no place known
                }
            }
        } finally {
            for (int i = 0; i < count; i++) {
                reset(lines[i]);
            }
        }
    }

    /** The line with the oldest ticket still in the running, or -1. */
    private int oldest() {
        int best = -1;
        for (int i = 0; i < count; i++) {
            if (sent[i] == Sent.TICKET && (best < 0 || tickets[i].olderThan(tickets[best]))) {
                best = i;
            }
        }
        return best;
    }

    private boolean answer(int i, byte verdict, long waitMicros) {
        try {
            ByteBuffer b = verdict == Ticket.YOURS ? ByteBuffer.wrap(new byte[] {verdict})
                    : ByteBuffer.allocate(Ticket.WAIT_LENGTH).put(verdict)
                            .putInt((int) waitMicros).flip();
            int n = b.remaining();
            return lines[i].write(b) == n;
        } catch (IOException | RuntimeException e) {
            sent[i] = Sent.GONE; // the waiter gave up meanwhile
            return false;
        }
    }

    private void reset(SocketChannel line) {
        Descriptors.close(line, target.key(), -1, null); // SO_LINGER=0 since the accept
    }

    /**
     * Returns how many lines were accepted, for tests.
     *
     * @return the number of lines
     */
    int lines() {
        return count;
    }

    @Override
    public String toString() {
        return "HandOver{" + Checks.quote(target.key()) + ", " + count + " lines"
                + (chose ? ", chose" : "") + "}";
    }
}
