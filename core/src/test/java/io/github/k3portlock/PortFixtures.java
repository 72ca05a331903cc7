package io.github.k3portlock;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.Fds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Shared test helpers: fresh keys and port probes through core's API; fd counts, condition waits
 * and child JVMs delegate to the testkit.
 */
public final class PortFixtures {
    private PortFixtures() {
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

    /**
     * The number of open socket descriptors of this process ({@link Fds#sockets()}: sockets
     * only, the JDK's once-per-JVM descriptors opened before the first count).
     */
    public static long openFds() {
        return Fds.sockets();
    }

    /** Waits for a condition with a deadline ({@link Await#until}); fails with {@code what}. */
    public static void await(String what, Duration deadline, BooleanSupplier condition) {
        Await.until(what, deadline, condition);
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

    /** Starts a child JVM running {@code main} with this test's class path ({@link ChildJvm#start}). */
    public static Process startJvm(Class<?> main, String... args) throws IOException {
        return ChildJvm.start(main, args);
    }
}
