package io.github.k3portlock.bench;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortSemaphore;
import io.github.k3portlock.Portlock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Semaphore;
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
 * Uncontended shared take-and-release and semaphore permits, beside their baselines in the same
 * run.
 *
 * <ul>
 *   <li>{@code sharedPortlock}: a {@link LockMode#SHARED} {@code tryLock()} + {@code release()}
 *       (the writer gate taken and let go shared, then the key's ports);
 *   <li>{@code exclusivePortlock}: the same on an exclusive lock of the same key;
 *   <li>{@code fileChannelSharedLock}: {@code FileChannel.tryLock(0, MAX, true)} + release;
 *   <li>{@code portSemaphore}: {@link PortSemaphore#tryAcquire()} + release of a 3-permit one;
 *   <li>{@code jucSemaphore}: {@link Semaphore#tryAcquire()} + release (one process only).
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SharedBench {
    private Portlock shared;
    private Portlock exclusive;
    private PortSemaphore semaphore;
    private final Semaphore juc = new Semaphore(3);
    private Path file;
    private FileChannel channel;
    /** Attempts that did not get the lock: must stay 0, or the figure measured contention. */
    private long misses;

    /** Picks a fresh key with free ports and opens the lock file. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        LockPorts ports = FreeKeys.fresh("bench-shared");
        shared = Portlock.builder(ports.key()).mode(LockMode.SHARED).timeout(Duration.ZERO)
                .build();
        exclusive = new Portlock(ports.key(), Duration.ZERO);
        semaphore = PortSemaphore.builder(ports.key(), 3).timeout(Duration.ZERO).build();
        file = Files.createTempFile("k3portlock-bench", ".lock");
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** Closes the lock file and reports any attempt that met contention. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
        if (misses != 0) {
            throw new IllegalStateException(misses + " attempts met contention");
        }
    }

    /**
     * A shared {@code tryLock()} and {@code release()}.
     *
     * @return whether the lock was taken
     */
    @Benchmark
    public boolean sharedPortlock() {
        return count(shared.tryLock(), shared);
    }

    /**
     * An exclusive {@code tryLock()} and {@code release()} of the same key.
     *
     * @return whether the lock was taken
     */
    @Benchmark
    public boolean exclusivePortlock() {
        return count(exclusive.tryLock(), exclusive);
    }

    private boolean count(boolean taken, Portlock lock) {
        lock.release();
        if (!taken) {
            misses++;
        }
        return taken;
    }

    /**
     * A shared file lock on the whole file, and its release.
     *
     * @return whether the file lock was taken
     * @throws IOException if locking fails
     */
    @Benchmark
    public boolean fileChannelSharedLock() throws IOException {
        FileLock l = channel.tryLock(0, Long.MAX_VALUE, true);
        if (l == null) {
            misses++;
            return false;
        }
        l.release();
        return true;
    }

    /**
     * One permit of a 3-permit {@link PortSemaphore}, and its release.
     *
     * @return whether a permit was taken
     */
    @Benchmark
    public boolean portSemaphore() {
        Optional<LockHandle> h = semaphore.tryAcquire();
        if (h.isEmpty()) {
            misses++;
            return false;
        }
        h.get().release();
        return true;
    }

    /**
     * One permit of a {@link Semaphore} (a single process's baseline), and its release.
     *
     * @return whether a permit was taken
     */
    @Benchmark
    public boolean jucSemaphore() {
        boolean taken = juc.tryAcquire();
        if (taken) {
            juc.release();
        } else {
            misses++;
        }
        return taken;
    }
}
