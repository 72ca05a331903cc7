package io.github.k3portlock.internal;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A waiter's place in the queue of a key: what a waiter writes on its line to the holder as soon
 * as it is connected, and what the holder reads back when it releases ({@link HandOver}). The
 * kernel buffers it on the not-yet-accepted connection, so the holder never accepts anything
 * until it releases. Immutable and thread-safe.
 *
 * <p><b>Wire format</b> (big-endian, {@value #LENGTH} bytes): the magic {@code "k3plock"} and a
 * version byte (1), so that a stranger's bytes are never taken for a ticket; the wait start in
 * wall-clock microseconds since the epoch (comparable across processes, unlike
 * {@code nanoTime}; a clock step only reorders the queue, it cannot break exclusion); a random
 * id that breaks ties and tells two waiters with the same start apart. The holder answers one
 * byte on the line before it resets it: {@link #YOURS} to the oldest waiter, {@link #WAIT} (and
 * a delay) to the others.
 */
public final class Ticket {
    /** {@code "k3plock"} and version 1. */
    static final long MAGIC = 0x6B33706C6F636B01L;
    /** Bytes on the wire. */
    public static final int LENGTH = 24;
    /** The verdict to the waiter that is next: attempt now, the ports are free. */
    public static final byte YOURS = 'Y';
    /**
     * The verdict to the others: do not attempt before the next holder listens (or a grace). It
     * is followed by 4 bytes, big-endian: how many microseconds the waiter should let pass before
     * it looks for the next holder ({@link HandOver}: later the further back it is in the queue).
     */
    public static final byte WAIT = 'W';
    /** Bytes of a {@link #WAIT} verdict. */
    public static final int WAIT_LENGTH = 5;

    private final long startMicros;
    private final long id;

    Ticket(long startMicros, long id) {
        this.startMicros = startMicros;
        this.id = id;
    }

    /**
     * Issues a ticket for a wait that starts now.
     *
     * @return a new ticket with a random id
     */
    public static Ticket issue() {
        Instant now = Instant.now();
        return new Ticket(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000,
                ThreadLocalRandom.current().nextLong());
    }

    /**
     * Returns the wire form, ready to write.
     *
     * @return a new buffer of {@value #LENGTH} bytes, positioned at 0
     */
    public ByteBuffer encode() {
        return ByteBuffer.allocate(LENGTH).putLong(MAGIC).putLong(startMicros).putLong(id).flip();
    }

    /**
     * Parses what a line sent, or says it is no ticket.
     *
     * @param received the bytes received, from position 0 to the limit
     * @return the ticket, or {@code null} unless exactly {@value #LENGTH} bytes with the magic
     */
    static Ticket parse(ByteBuffer received) {
        if (received.remaining() != LENGTH || received.getLong(received.position()) != MAGIC) {
            return null;
        }
        int p = received.position();
        return new Ticket(received.getLong(p + 8), received.getLong(p + 16));
    }

    /**
     * Tells whether this ticket is older (waits longer) than {@code other}; equal starts are
     * ordered by id, so that two holders would choose the same waiter.
     *
     * @param other another ticket
     * @return {@code true} if this one comes first
     */
    boolean olderThan(Ticket other) {
        return startMicros != other.startMicros ? startMicros < other.startMicros
                : id < other.id;
    }

    /**
     * Returns the wait start.
     *
     * @return wall-clock microseconds since the epoch
     */
    public long startMicros() {
        return startMicros;
    }

    @Override
    public String toString() {
        return "Ticket{start=" + startMicros + "us, id=" + Long.toHexString(id) + "}";
    }
}
