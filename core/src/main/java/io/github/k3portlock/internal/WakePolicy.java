package io.github.k3portlock.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

/**
 * The one wake policy of every waiter kind (the blocking {@code Portlock} and the asynchronous
 * poller): how a waiter's line to the holder is prepared, when a connect found nobody, and when a
 * waiter sits out one sleep time without a line. Instances count the futile wakes of one waiter
 * (or one key's poller) and are not thread-safe: the owner guards them.
 */
public final class WakePolicy {
    /**
     * Wakes in a row whose attempt failed, after which the waiter opens no line for one sleep
     * time. Two. A release hands the key to one waiter and tells the others to wait
     * ({@link HandOver}), so a wake without a verdict comes from a crashed holder, an older
     * version, or a peer that is no holder. A crashed holder's lines may be reset before all of
     * its ports are closed (the kernel closes a dying process's descriptors in number order): the
     * first failed attempt reconnects (to the rest of the dying holder, or to the winner of the
     * race, in whose queue the waiter keeps its ticket). A second in a row sits out one sleep
     * time, so that a peer that resets every connection is not spun on, and a herd of losers
     * stays small.
     */
    public static final int MAX_FUTILE_WAKES = 2;

    /** Wakes in a row whose attempt failed; below {@link #MAX_FUTILE_WAKES}. */
    private int futileWakes;

    /** Creates the policy of one waiter, with no futile wake counted. */
    public WakePolicy() {
    }

    /**
     * Options every waiter's client socket gets before it connects: {@code SO_REUSEADDR}, so that
     * the line's local port (from the ephemeral range, which overlaps the lock ports) does not
     * block a lock's bind of that port, and {@code SO_LINGER=0}, so that closing the line is a
     * reset: no {@code TIME_WAIT} on our side, and no entry left in the holder's accept queue.
     *
     * @param ch an unconnected socket channel that supports both options
     * @throws IOException if an option cannot be set
     * @throws UnsupportedOperationException if the channel does not support an option
     */
    public static void prepare(NetworkChannel ch) throws IOException {
        ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        ch.setOption(StandardSocketOptions.SO_LINGER, 0);
    }

    /**
     * Tells whether a connected line is a TCP self-connect: a connect to a free port in the
     * ephemeral range can be given that very port as its local port and connect to itself. Then
     * nobody listens there; the line is no line to a holder.
     *
     * @param ch the connected channel
     * @param remotePort the port connected to
     * @return {@code true} if the local port is the remote port
     * @throws IOException if the local address cannot be read
     */
    public static boolean isSelfConnect(NetworkChannel ch, int remotePort) throws IOException {
        return ((InetSocketAddress) ch.getLocalAddress()).getPort() == remotePort;
    }

    /**
     * Tells whether a new line may be opened now: fewer than {@link #MAX_FUTILE_WAKES} wakes in a
     * row were futile.
     *
     * @return {@code true} if a line may be opened
     */
    public boolean mayConnect() {
        return futileWakes < MAX_FUTILE_WAKES;
    }

    /**
     * A wake's attempt failed (a lost wake, or a peer that resets every connection at once).
     *
     * @return {@code true} if the waiter must now sit out one sleep time without a line (the count
     *     starts again after it)
     */
    public boolean wokeInVain() {
        return ++futileWakes >= MAX_FUTILE_WAKES;
    }

    /** A wake's attempt succeeded, a wait ended without a wake, or a plain pause was taken. */
    public void reset() {
        futileWakes = 0;
    }
}
