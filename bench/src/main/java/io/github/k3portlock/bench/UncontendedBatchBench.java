package io.github.k3portlock.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 1 amortised: the bodies of {@link UncontendedBench}, 100 in a row per sample, so that each
 * sample also pays the kernel work a close leaves behind (a listening socket is freed after an RCU
 * grace period, in batches). The median of these samples is the cost per pair in a sustained
 * loop; {@link UncontendedBench}'s median is the latency of a typical single call, which mostly
 * misses that deferred work. Dual-stack IPv6 sockets defer more of it than IPv4 ones.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class UncontendedBatchBench {
    /** Pairs per sample. */
    static final int BATCH = 100;

    private final UncontendedBench single = new UncontendedBench();

    /** Same set-up as {@link UncontendedBench}. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        single.setUp();
    }

    /** Same tear-down: fails if any attempt met contention. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        single.tearDown();
    }

    /**
     * {@link UncontendedBench#portlock()} 100 times.
     *
     * @return how many took the lock
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int portlockBatch() {
        int taken = 0;
        for (int i = 0; i < BATCH; i++) {
            taken += single.portlock() ? 1 : 0;
        }
        return taken;
    }

    /**
     * {@link UncontendedBench#quorum()} 100 times.
     *
     * @return how many took the lock
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int quorumBatch() {
        int taken = 0;
        for (int i = 0; i < BATCH; i++) {
            taken += single.quorum() != null ? 1 : 0;
        }
        return taken;
    }

    /**
     * {@link UncontendedBench#naiveThreePorts()} 100 times.
     *
     * @return a value for the blackhole
     * @throws IOException if a port is busy
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int naiveThreePortsBatch() throws IOException {
        int x = 0;
        for (int i = 0; i < BATCH; i++) {
            x ^= single.naiveThreePorts();
        }
        return x;
    }

    /**
     * {@link UncontendedBench#twoSocketsInet()} 100 times.
     *
     * @return a value for the blackhole
     * @throws IOException if a port is busy
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int twoSocketsInetBatch() throws IOException {
        int x = 0;
        for (int i = 0; i < BATCH; i++) {
            x ^= single.twoSocketsInet();
        }
        return x;
    }
}
