package io.github.k3portlock.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;

/**
 * The seam through which every lock port is bound. Tests substitute it to inject failures that
 * cannot be provoked for real ("too many open files").
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface PortBinder {

    /**
     * Binds and listens on {@code address}, returning what closes it.
     *
     * @param address the loopback address and port
     * @return an open, bound, listening socket
     * @throws java.net.BindException with "Address already in use" when another socket holds the
     *     port (contention); any other {@code IOException} is a real failure
     * @throws IOException on any other failure
     */
    Closeable bind(InetSocketAddress address) throws IOException;

    /**
     * The real binder: a {@link ServerSocketChannel} of the address's own family (no dual-stack
     * IPv6 socket for an IPv4 address), bound and listening with a backlog of 1. The JDK's default
     * {@code SO_REUSEADDR=true} keeps a listening socket exclusive on Linux; {@code SO_REUSEPORT}
     * is never set.
     */
    PortBinder DEFAULT = address -> {
        ServerSocketChannel ch = open(address);
        try {
            ch.bind(address, 1);
            return ch;
        } catch (IOException | RuntimeException e) {
            try {
                ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    };

    /**
     * Opens an unbound channel of {@code address}'s own family, as {@link #DEFAULT} binds with.
     *
     * @param address the address it will be bound to
     * @return a new open channel
     * @throws IOException if no socket can be created (too many open files)
     */
    static ServerSocketChannel open(InetSocketAddress address) throws IOException {
        return ServerSocketChannel.open(address.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
    }
}
