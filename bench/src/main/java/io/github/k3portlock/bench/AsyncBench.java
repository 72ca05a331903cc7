package io.github.k3portlock.bench;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.AsyncPortlock;
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
 * Figure 2: one uncontended asynchronous acquire, waited for with {@code join()}, and release,
 * beside the blocking pair measured in the same run (its overhead is the difference).
 *
 * <ul>
 *   <li>{@code asyncDefault}: {@link AsyncPortlock#create()}: the first attempt runs on the
 *       calling thread, the future is completed on the shared completion pool, and
 *       {@code join()} wakes the caller: one thread hand-off each way;
 *   <li>{@code asyncDirect}: an instance with {@code completionExecutor(Runnable::run)}: the
 *       future is completed on the calling thread, no hand-off;
 *   <li>{@code sync}: {@link Portlock#tryLock()} + {@link Portlock#release()}, the reference.
 * </ul>
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AsyncBench {
    private String key;
    private AsyncPortlock shared;
    private AsyncPortlock direct;
    private Portlock sync;

    /** Picks a fresh key with free ports and builds the instances. */
    @Setup(Level.Trial)
    public void setUp() {
        LockPorts ports = FreeKeys.fresh("bench-async");
        key = ports.key();
        shared = AsyncPortlock.create();
        direct = AsyncPortlock.builder().completionExecutor(Runnable::run).build();
        sync = new Portlock(key, Duration.ZERO);
    }

    /** Releases the blocking lock if a failed iteration left it held. */
    @TearDown(Level.Trial)
    public void tearDown() {
        sync.release();
    }

    /**
     * The default instance: acquire, {@code join()}, release.
     *
     * @return the released handle
     */
    @Benchmark
    public LockHandle asyncDefault() {
        LockHandle h = shared.acquire(key).join();
        h.release();
        return h;
    }

    /**
     * Completion on the calling thread: acquire, {@code join()}, release.
     *
     * @return the released handle
     */
    @Benchmark
    public LockHandle asyncDirect() {
        LockHandle h = direct.acquire(key).join();
        h.release();
        return h;
    }

    /**
     * The blocking pair, for the overhead.
     *
     * @return whether the lock was taken (always, uncontended)
     */
    @Benchmark
    public boolean sync() {
        boolean taken = sync.tryLock();
        sync.release();
        if (!taken) {
            throw new IllegalStateException("lock '" + key + "' is contended: the run is void");
        }
        return taken;
    }
}
