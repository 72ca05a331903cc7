package io.github.k3portlock.bench;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
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
 * The cost of one failed attempt while someone else holds the lock: what every poll of a waiter
 * spends, and so what bounds the CPU of many waiters (figure 5). The attempt binds nothing: it
 * meets "address already in use" on the first two ports and stops (the quorum is then
 * unreachable), so it pays two sockets opened and closed and two exceptions.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MissBench {
    private LockPorts ports;
    private PortHandle holder;
    /** Attempts that took the lock although it was held: must stay 0. */
    private long takes;

    /** Holds a fresh key's quorum for the whole trial. */
    @Setup(Level.Trial)
    public void setUp() {
        ports = FreeKeys.fresh("bench-miss");
        holder = Quorum.tryAcquire(ports, PortBinder.DEFAULT);
        if (holder == null) {
            throw new IllegalStateException("could not take " + ports);
        }
    }

    /** Releases the key and reports any attempt that wrongly succeeded. */
    @TearDown(Level.Trial)
    public void tearDown() {
        holder.release();
        if (takes != 0) {
            throw new IllegalStateException(takes + " attempts took a held lock");
        }
    }

    /**
     * One attempt on a held key.
     *
     * @return {@code null}, the miss
     */
    @Benchmark
    public PortHandle quorumMiss() {
        PortHandle h = Quorum.tryAcquire(ports, PortBinder.DEFAULT);
        if (h != null) {
            takes++;
            h.release();
        }
        return h;
    }
}
