package io.github.k3portlock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Counts this process's open <em>socket</em> descriptors (Linux {@code /proc/self/fd}).
 *
 * <p>Only sockets are counted: the JVM and other test threads open and close jar files, pipes and
 * {@code /dev/urandom} on their own schedule, and those are not what a lock could leak. A count of
 * every descriptor is a flaky count.
 */
public final class Fds {
    private Fds() {
    }

    /** Initialised on the first count that wants the JDK warmed up. */
    private static final class WarmUp {
        static {
            // The JDK opens a few descriptors once per JVM, lazily (the NIO pre-close socket on
            // the first channel close, /dev/urandom on the first random UUID): open them before
            // anyone counts, so that counts move only for sockets the code under test opens.
            UUID.randomUUID();
            try (ServerSocketChannel ch = ServerSocketChannel.open()) {
                ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            } catch (IOException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static void ensure() {
            // the static initialiser above did the work
        }
    }

    /**
     * Returns the number of open socket descriptors of this process. The first call opens (and
     * keeps) the descriptors the JDK opens once per JVM, so that later counts move only for
     * sockets the code under test opens.
     *
     * @return the count
     */
    public static long sockets() {
        WarmUp.ensure();
        return socketsWithoutWarmUp();
    }

    /**
     * Returns the number of open socket descriptors of this process without opening anything
     * first: for a child JVM that must start cold (under a descriptor limit, say).
     *
     * @return the count
     */
    public static long socketsWithoutWarmUp() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(Fds::isSocket).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
    }

    private static boolean isSocket(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException e) {
            return false; // closed while listing (the directory stream's own descriptor, say)
        }
    }

    /**
     * Waits until the socket count is back to {@code before} or below (closes in other threads may
     * still be in flight), failing at the deadline.
     *
     * @param before the count to return to
     * @param patience how long to wait
     * @return the count reached
     */
    public static long awaitSockets(long before, Duration patience) {
        long[] now = {sockets()};
        Await.until("open socket fds back to " + before + " (now " + now[0] + ")", patience,
                () -> (now[0] = sockets()) <= before);
        return now[0];
    }
}
