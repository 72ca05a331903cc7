package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The pieces of the out-of-descriptors handling ({@link Descriptors}' warm-up and messages) that
 * cannot be provoked for real: injected failures.
 */
class DescriptorsTest {

    @Test
    void everyFormOfRunningOutReadsAsSuch() {
        assertTrue(Descriptors.isOutOfDescriptors(new SocketException("Too many open files")));
        assertTrue(Descriptors.isOutOfDescriptors(
                new FileSystemException("/proc/net/tcp: Too many open files")));
        assertTrue(Descriptors.isOutOfDescriptors(
                new IOException("Too many open files in system"))); // ENFILE
        assertTrue(Descriptors.isOutOfDescriptors(
                new ExceptionInInitializerError(new IOException("Too many open files"))));
        assertTrue(Descriptors.isOutOfDescriptors(new RuntimeException("wrapped",
                new ExceptionInInitializerError(new IOException("Too many open files")))));
        assertTrue(Descriptors.isOutOfDescriptors(new NoClassDefFoundError(
                "Could not initialize class sun.nio.ch.FileDispatcherImpl")));
        assertFalse(Descriptors.isOutOfDescriptors(new IOException("Permission denied")));
        assertFalse(Descriptors.isOutOfDescriptors(new NoClassDefFoundError("com/example/X")));
        assertFalse(Descriptors.isOutOfDescriptors(new ExceptionInInitializerError("x")));
        assertFalse(Descriptors.isOutOfDescriptors(null));
    }

    /** The warm-up ran when this JVM first used the lock, and it succeeded. */
    @Test
    void theWarmUpRanOnceAndSucceeded() {
        Descriptors.ready();
        assertEquals(null, Descriptors.WARM_UP_FAILURE);
        assertTrue(Descriptors.WARM_UP_NANOS > 0);
    }

    /**
     * A close the kernel (or a broken JDK class) refuses: release does not throw, still closes the
     * other port, and logs a warning naming key and port on the io.github.k3portlock logger.
     */
    @Test
    void releaseNeverThrowsAndLogsARefusedClose() throws IOException {
        LockPorts ports = PortScheme.DEFAULT.lockPorts("test-" + UUID.randomUUID());
        List<ServerSocketChannel> real = new ArrayList<>();
        Closeable brokenJdk = () -> {
            real.get(0).close(); // the descriptor goes, but the JDK reports a failure
            throw new NoClassDefFoundError(
                    "Could not initialize class sun.nio.ch.FileDispatcherImpl");
        };
        Closeable refused = () -> {
            real.get(1).close();
            throw new IOException("Input/output error");
        };
        for (int i = 0; i < 2; i++) {
            ServerSocketChannel ch = ServerSocketChannel.open();
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            real.add(ch);
        }
        PortHandle handle = new PortHandle(ports, new Closeable[] {brokenJdk, refused}, 0b011);
        Recording log = new Recording();
        System.Logger before = Descriptors.logger;
        Descriptors.logger = log;
        try {
            handle.release(); // must not throw
            handle.release(); // idempotent: nothing more is closed or logged
        } finally {
            Descriptors.logger = before;
        }
        assertFalse(handle.isValid());
        assertFalse(real.get(0).isOpen());
        assertFalse(real.get(1).isOpen(), "every port is closed, whichever close failed");
        assertEquals(2, log.messages.size(), log.messages.toString());
        // The ports close from the highest down (the lowest, which waiters watch, last).
        String first = log.messages.get(1);
        assertTrue(first.startsWith("WARNING ") && first.contains("'" + ports.key() + "'")
                && first.contains("port " + ports.numbers().get(0))
                && first.contains("out of file descriptors"), first);
        String second = log.messages.get(0);
        assertTrue(second.contains("port " + ports.numbers().get(1))
                && !second.contains("out of file descriptors"), second);
    }

    @Test
    void aVirtualMachineErrorPropagatesButOnlyAfterEveryPortIsClosed() throws IOException {
        LockPorts ports = PortScheme.DEFAULT.lockPorts("test-" + UUID.randomUUID());
        ServerSocketChannel second = ServerSocketChannel.open();
        Closeable oom = () -> {
            throw new OutOfMemoryError("test");
        };
        PortHandle handle = new PortHandle(ports, new Closeable[] {oom, second}, 0b011);
        assertThrows(OutOfMemoryError.class, handle::release);
        assertFalse(second.isOpen());
        assertFalse(handle.isValid());
    }

    /** Records what is logged, formatted as {@code LEVEL message}. */
    private static final class Recording implements System.Logger {
        final List<String> messages = new CopyOnWriteArrayList<>();

        @Override
        public String getName() {
            return "io.github.k3portlock";
        }

        @Override
        public boolean isLoggable(Level level) {
            return true;
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            messages.add(level + " " + msg);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            messages.add(level + " " + format);
        }
    }
}
