package io.github.k3portlock.async;

import io.github.k3portlock.internal.PortBinder;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
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
    final AtomicLong closed = new AtomicLong();
    /** Clock readings at each attempt, when a clock is given. */
    final List<Long> attemptTimes = new CopyOnWriteArrayList<>();
    private final PortBinder delegate;
    private final LongSupplier clock;
    private final int firstPort;

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
    public Closeable bind(InetSocketAddress address) throws IOException {
        binds.incrementAndGet();
        if (firstPort < 0 || address.getPort() == firstPort) {
            attempts.incrementAndGet();
            if (clock != null) {
                attemptTimes.add(clock.getAsLong());
            }
        }
        Closeable socket = delegate.bind(address);
        opened.incrementAndGet();
        return () -> {
            closed.incrementAndGet();
            socket.close();
        };
    }

    long openNow() {
        return opened.get() - closed.get();
    }
}
