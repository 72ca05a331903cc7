package io.github.k3portlock.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;

/**
 * The seam through which every lock port is opened and bound: {@link Quorum} runs the same loop
 * (channel reuse after a miss, the listen-race retry) whatever the binder, so a fake exercises
 * the production path. Tests substitute it to inject failures that cannot be provoked for real:
 *
 * <pre>{@code
 * PortBinder emfile = address -> { throw new SocketException("Too many open files"); };
 * PortBinder busy = PortBinder.binding((ch, address, backlog) -> {
 *     if (taken.contains(address.getPort())) throw new BindException("Address already in use");
 *     ch.bind(address, backlog);
 * });
 * }</pre>
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PortBinder {

    /**
     * The listen backlog of a lock port: 511 (as nginx and Redis; Linux caps it at
     * {@code net.core.somaxconn}, 4096 since 5.4, 128 before). Waiters in other processes connect
     * to a held port and wait in its accept queue for the reset that its close sends them (see
     * {@link WakeLine}); the holder never accepts, so the backlog is how many waiting connections fit
     * (Linux queues backlog + 1). Further waiters find the queue full and poll. Listening with a
     * larger backlog costs the holder nothing until someone connects.
     */
    int BACKLOG = 511;

    /**
     * Opens an unbound channel for {@code address} (the real one: of the address's own family).
     *
     * @param address the address the channel will be bound to
     * @return a new open, unbound channel
     * @throws IOException if no socket can be created (too many open files)
     */
    ServerSocketChannel open(InetSocketAddress address) throws IOException;

    /**
     * Binds {@code ch} to {@code address} and listens. On failure {@code ch} stays open and
     * belongs to the caller: after "address already in use" {@link Quorum} reuses it for the
     * next port.
     *
     * @param ch a channel from {@link #open}, possibly already refused another port
     * @param address the loopback address and port
     * @param backlog the listen backlog, {@link #BACKLOG}
     * @throws java.net.BindException with "Address already in use" when another socket holds the
     *     port (contention); any other {@code IOException} is a real failure
     * @throws IOException on any other failure
     */
    default void bind(ServerSocketChannel ch, InetSocketAddress address, int backlog)
            throws IOException {
        ch.bind(address, backlog);
    }

    /**
     * The real binder: a {@link ServerSocketChannel} of the address's own family (no dual-stack
     * IPv6 socket for an IPv4 address), bound and listening with a backlog of {@link #BACKLOG}.
     * The JDK's default {@code SO_REUSEADDR=true} keeps a listening socket exclusive on Linux;
     * {@code SO_REUSEPORT} is never set.
     */
    PortBinder DEFAULT = PortBinder::openChannel;

    /**
     * Returns a binder that opens real channels and binds them through {@code bind}: the easy way
     * to fake a bind failure for chosen ports (delegate to {@code ch.bind(address, backlog)} for
     * the others).
     *
     * @param bind what binding does
     * @return a binder
     */
    static PortBinder binding(BindStep bind) {
        return new PortBinder() {
            @Override
            public ServerSocketChannel open(InetSocketAddress address) throws IOException {
                return openChannel(address);
            }

            @Override
            public void bind(ServerSocketChannel ch, InetSocketAddress address, int backlog)
                    throws IOException {
                bind.bind(ch, address, backlog);
            }
        };
    }

    /**
     * Opens a real, unbound channel of {@code address}'s own family, as {@link #DEFAULT} does.
     *
     * @param address the address it will be bound to
     * @return a new open channel
     * @throws IOException if no socket can be created (too many open files)
     */
    static ServerSocketChannel openChannel(InetSocketAddress address) throws IOException {
        return ServerSocketChannel.open(address.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
    }

    /** The bind step of a {@link PortBinder}, see {@link #binding(BindStep)}. */
    @FunctionalInterface
    interface BindStep {
        /**
         * Binds and listens, as {@link PortBinder#bind}.
         *
         * @param ch the channel
         * @param address the address
         * @param backlog the backlog
         * @throws IOException as {@link PortBinder#bind}
         */
        void bind(ServerSocketChannel ch, InetSocketAddress address, int backlog)
                throws IOException;
    }
}
