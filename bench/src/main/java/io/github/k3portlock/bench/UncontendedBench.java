package io.github.k3portlock.bench;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 1: one uncontended take-and-release, per pair, beside its baselines in the same run.
 *
 * <ul>
 *   <li>{@code portlock}: {@link Portlock#tryLock()} + {@link Portlock#release()}, the public API;
 *   <li>{@code quorum}: the internal {@link Quorum#tryAcquire} + {@link PortHandle#release()}, the
 *       same system calls without the instance's ownership bookkeeping;
 *   <li>{@code naiveThreePorts}: what a straightforward Java port of the Python original does,
 *       binding all 3 ports with default {@code ServerSocketChannel.open()} then closing them;
 *   <li>{@code fileChannelTryLock}: {@code FileChannel.tryLock()} + release on an open file;
 *   <li>{@code socketInet}, {@code socketDefault}: one socket's open+bind+listen+close, IPv4 and
 *       the JDK default (dual-stack IPv6), which bound the figures above from below.
 * </ul>
 *
 * Mode is sample time, so the report holds the median (p0.50) the targets are stated in.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class UncontendedBench {
    private LockPorts ports;
    private InetSocketAddress a0;
    private InetSocketAddress a1;
    private InetSocketAddress a2;
    private Portlock lock;
    private Path file;
    private FileChannel channel;
    /** Attempts that did not get the lock: must stay 0, or the figure measured contention. */
    private long misses;

    /** Picks a fresh key with free ports and opens the lock file. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ports = FreeKeys.fresh("bench-uncontended");
        a0 = ports.socketAddresses().get(0);
        a1 = ports.socketAddresses().get(1);
        a2 = ports.socketAddresses().get(2);
        lock = new Portlock(ports.key(), Duration.ZERO);
        file = Files.createTempFile("k3portlock-bench", ".lock");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Closes the lock file and reports any attempt that met contention. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        lock.release();
        channel.close();
        Files.deleteIfExists(file);
        if (misses != 0) {
            throw new IllegalStateException(misses + " attempts on " + ports
                    + " met contention: the figure is not the uncontended one");
        }
    }

    /**
     * The public API: one {@code tryLock()} and one {@code release()}.
     *
     * @return whether the lock was taken
     */
    @Benchmark
    public boolean portlock() {
        boolean taken = lock.tryLock();
        lock.release();
        if (!taken) {
            misses++;
        }
        return taken;
    }

    /**
     * The quorum attempt and handle release, without {@link Portlock}'s bookkeeping.
     *
     * @return the handle (released)
     */
    @Benchmark
    public PortHandle quorum() {
        PortHandle h = Quorum.tryAcquire(ports, PortBinder.DEFAULT);
        if (h == null) {
            misses++;
        } else {
            h.release();
        }
        return h;
    }

    /**
     * The naive loop: all 3 ports, default (dual-stack) channels, default backlog.
     *
     * @return a value for the blackhole
     * @throws IOException if a port is busy (contention: the run is void)
     */
    @Benchmark
    public int naiveThreePorts() throws IOException {
        ServerSocketChannel c0 = ServerSocketChannel.open();
        ServerSocketChannel c1 = ServerSocketChannel.open();
        ServerSocketChannel c2 = ServerSocketChannel.open();
        try {
            c0.bind(a0);
            c1.bind(a1);
            c2.bind(a2);
            return c0.hashCode() ^ c1.hashCode() ^ c2.hashCode();
        } finally {
            c0.close();
            c1.close();
            c2.close();
        }
    }

    /**
     * {@code FileChannel.tryLock()} and release on an already open file.
     *
     * @return whether the file lock was taken
     * @throws IOException if locking fails
     */
    @Benchmark
    public boolean fileChannelTryLock() throws IOException {
        FileLock l = channel.tryLock();
        if (l == null) {
            misses++;
            return false;
        }
        l.release();
        return true;
    }

    /**
     * Two IPv4 sockets opened, bound and listening, then closed: the system calls of one quorum
     * with nothing else, the floor for {@code quorum} and {@code portlock}.
     *
     * @return a value for the blackhole
     * @throws IOException if a port is busy
     */
    @Benchmark
    public int twoSocketsInet() throws IOException {
        ServerSocketChannel c0 = ServerSocketChannel.open(StandardProtocolFamily.INET);
        ServerSocketChannel c1 = ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            c0.bind(a0, 1);
            c1.bind(a1, 1);
            return c0.hashCode() ^ c1.hashCode();
        } finally {
            c0.close();
            c1.close();
        }
    }

    /**
     * One IPv4 socket opened, bound, listening and closed: the unit the quorum spends twice.
     *
     * @return a value for the blackhole
     * @throws IOException if the port is busy
     */
    @Benchmark
    public int socketInet() throws IOException {
        try (ServerSocketChannel c = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            c.bind(a0, 1);
            return c.hashCode();
        }
    }

    /**
     * One default (dual-stack IPv6) socket opened, bound, listening and closed: the unit the naive
     * loop spends three times.
     *
     * @return a value for the blackhole
     * @throws IOException if the port is busy
     */
    @Benchmark
    public int socketDefault() throws IOException {
        try (ServerSocketChannel c = ServerSocketChannel.open()) {
            c.bind(a0);
            return c.hashCode();
        }
    }
}
