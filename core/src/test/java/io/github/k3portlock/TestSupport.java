package io.github.k3portlock;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Shared test helpers: fresh keys, fd counts, condition waits, port probes, child JVMs. */
public final class TestSupport {
    private TestSupport() {
    }

    /**
     * How many sockets a lock on {@code p} holds beside its quorum of ports: 1 when it also holds
     * the Python original's Linux name (Java 22+ with native access), else 0.
     */
    public static int nameSockets(LockPorts p) {
        return p.linuxName().isPresent() ? 1 : 0;
    }

    /** A key no other test (or leftover process) uses. */
    public static String freshKey() {
        return "test-" + UUID.randomUUID();
    }

    static {
        // The JDK opens a few descriptors once per JVM, lazily: the NIO pre-close socket on the
        // first channel close, /dev/urandom on the first random UUID. Open them before anyone
        // counts, so that fd counts only move for sockets the lock itself opens.
        freshKey();
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            ch.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 1);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The number of open socket descriptors of this process. Only sockets are counted: the JVM
     * opens and closes jar files and other descriptors on its own schedule, and those are not
     * what a lock could leak.
     */
    public static long openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(TestSupport::isSocket).count();
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    private static boolean isSocket(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException e) {
            return false; // closed while listing (the directory stream's own descriptor, say)
        }
    }

    /** Waits for a condition with a deadline; fails with {@code what} if it never holds. */
    public static void await(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + deadline + " waiting for: " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(1); // a poll interval, not a stand-in for the condition
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Tells whether a listening socket could be bound on every port of {@code p} right now. */
    public static boolean allPortsFree(LockPorts p) {
        List<ServerSocketChannel> probes = new ArrayList<>();
        try {
            for (InetSocketAddress a : p.socketAddresses()) {
                ServerSocketChannel ch = ServerSocketChannel.open();
                probes.add(ch);
                ch.bind(a, 1);
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            for (ServerSocketChannel ch : probes) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // probe
                }
            }
        }
    }

    /** The ports of a fresh key whose three ports are all free right now. */
    public static LockPorts freePorts() {
        for (int i = 0; i < 50; i++) {
            LockPorts p = PortScheme.DEFAULT.lockPorts(freshKey());
            if (allPortsFree(p)) {
                return p;
            }
        }
        throw new AssertionError("no key with three free ports in 50 tries");
    }

    /** Binds a plain (non-listening, no SO_REUSEADDR) socket, as the Python original does. */
    public static Socket plainBind(InetSocketAddress a) throws IOException {
        Socket s = new Socket();
        s.setReuseAddress(false);
        try {
            s.bind(a);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Starts a child JVM running {@code main} with this test's class path. */
    public static Process startJvm(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java"));
        cmd.add("-Xmx64m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
