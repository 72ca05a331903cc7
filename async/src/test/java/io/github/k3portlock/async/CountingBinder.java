package io.github.k3portlock.async;

import io.github.k3portlock.internal.PortBinder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Wraps {@link PortBinder#DEFAULT} (real sockets) and counts: bind calls, attempts (binds of the
 * first port of a key: every quorum attempt starts there), sockets opened and closed.
 */
final class CountingBinder implements PortBinder {
    final AtomicLong binds = new AtomicLong();
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong opened = new AtomicLong();
    /** Channels opened here and found closed since (they are swept from {@link #live}). */
    final Counter closed = this::sweep;
    /** Clock readings at each attempt, when a clock is given. */
    final List<Long> attemptTimes = new CopyOnWriteArrayList<>();
    private final AtomicLong closedCount = new AtomicLong();
    private final Set<ServerSocketChannel> live = ConcurrentHashMap.newKeySet();
    private final PortBinder delegate;
    private final LongSupplier clock;
    private final int firstPort;

    /** A count read on demand. */
    interface Counter {
        long get();
    }

    /** Counts attempts on {@code firstPort} (a key's base port); -1 counts every bind. */
    CountingBinder(int firstPort, LongSupplier clock) {
        this(PortBinder.DEFAULT, firstPort, clock);
    }

    CountingBinder(PortBinder delegate, int firstPort, LongSupplier clock) {
        this.delegate = delegate;
        this.firstPort = firstPort;
        this.clock = clock;
    }

    @Override
    public ServerSocketChannel open(InetSocketAddress address) throws IOException {
        sweep();
        ServerSocketChannel ch = delegate.open(address);
        opened.incrementAndGet(); // before live: openNow() may overcount for a moment, never under
        live.add(ch);
        return ch;
    }

    @Override
    public void bind(ServerSocketChannel ch, InetSocketAddress address, int backlog)
            throws IOException {
        binds.incrementAndGet();
        if (firstPort < 0 || address.getPort() == firstPort) {
            attempts.incrementAndGet();
            if (clock != null) {
                attemptTimes.add(clock.getAsLong());
            }
        }
        delegate.bind(ch, address, backlog);
    }

    private synchronized long sweep() {
        live.removeIf(ch -> !ch.isOpen() && closedCount.incrementAndGet() > 0);
        return closedCount.get();
    }

    long openNow() {
        return opened.get() - closed.get();
    }
}
