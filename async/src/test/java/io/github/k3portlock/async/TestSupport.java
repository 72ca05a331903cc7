package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Helpers shared by the async tests: fresh keys, fd counts, waits on conditions with deadlines. */
final class TestSupport {
    /** Generous: the box has 2 cores and other builds run at the same time. */
    static final Duration PATIENCE = Duration.ofSeconds(30);

    private TestSupport() {
    }

    static String key() {
        return "test-" + UUID.randomUUID();
    }

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    static {
        // The JDK opens a few descriptors once per JVM, lazily (the NIO pre-close socket on the
        // first channel close, /dev/urandom on the first random UUID): open them before counting.
        key();
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The number of open socket descriptors of this process. Only sockets count: the JVM opens and
     * closes jar files on its own schedule, and those are not what a lock could leak.
     */
    static long openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(TestSupport::isSocket).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isSocket(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException e) {
            return false; // closed while listing (the directory stream's own descriptor, say)
        }
    }

    /** Waits until {@code condition} holds, polling, failing with {@code what} at the deadline. */
    static void await(String what, Duration patience, BooleanSupplier condition) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + patience + " waiting until " + what);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting until " + what);
            }
        }
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, PATIENCE, condition);
    }

    /** Waits for {@code future} up to the patience; returns its value or throws its failure. */
    static <T> T get(CompletableFuture<T> future) throws ExecutionException {
        try {
            return future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("future not complete after " + PATIENCE + ": " + future, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Returns the failure of a future expected to fail (unwrapping ExecutionException). */
    static Throwable failure(CompletableFuture<?> future) {
        try {
            Object v = get(future);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /** Tells whether the key's quorum can be bound right now (and unbinds it). */
    static boolean isFree(LockPorts ports) {
        PortHandle h = Quorum.tryAcquire(ports, PortBinder.DEFAULT);
        if (h == null) {
            return false;
        }
        h.release();
        return true;
    }

    static boolean isFree(String key) {
        return isFree(PortScheme.DEFAULT.lockPorts(key));
    }

    static void awaitFree(String key) {
        await("lock '" + key + "' is free", () -> isFree(key));
    }

    /** Waits until the fd count is back to {@code before} (or below); returns the count. */
    static long awaitFds(long before) {
        long[] now = {openFds()};
        await("open fds back to " + before, () -> (now[0] = openFds()) <= before);
        return now[0];
    }

}
