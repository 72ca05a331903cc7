package io.github.k3portlock.bench;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.internal.NameBinder;
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
 * The cost of also holding the Python original's Linux name, which Java 22+ with native access
 * takes beside the ports so that Java and Python exclude each other on Linux. One uncontended
 * quorum attempt plus release, in the same run:
 * <ul>
 *   <li>{@code tcpOnly}: the ports alone ({@code Interop.TCP_ONLY});
 *   <li>{@code both}: the Linux name, then the ports ({@code Interop.REQUIRE_LINUX_NAME}).
 * </ul>
 * Needs Java 22+ and native access (the fork adds {@code --enable-native-access=ALL-UNNAMED}):
 * run it with a JDK 25 {@code java -jar bench/target/benchmarks.jar InteropBench}. Without them
 * the set-up fails, saying why.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class InteropBench {
    private LockPorts tcpOnly;
    private LockPorts both;
    private long misses;

    /** Picks a fresh key with free ports; fails when this JVM cannot hold the name. */
    @Setup(Level.Trial)
    public void setUp() {
        String why = NameBinder.unavailableReason();
        if (why != null) {
            throw new IllegalStateException("InteropBench needs the Linux name: " + why);
        }
        String key = FreeKeys.fresh("bench-interop").key();
        tcpOnly = PortScheme.builder().interop(PortScheme.Interop.TCP_ONLY).build()
                .lockPorts(key);
        both = PortScheme.builder().interop(PortScheme.Interop.REQUIRE_LINUX_NAME).build()
                .lockPorts(key);
    }

    /** Fails the run if any attempt met contention. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (misses != 0) {
            throw new IllegalStateException(misses + " attempts met contention");
        }
    }

    private PortHandle takeAndRelease(LockPorts target) {
        PortHandle h = Quorum.tryAcquire(target, PortBinder.DEFAULT);
        if (h == null) {
            misses++;
        } else {
            h.release();
        }
        return h;
    }

    /**
     * The ports alone.
     *
     * @return the released handle
     */
    @Benchmark
    public PortHandle tcpOnly() {
        return takeAndRelease(tcpOnly);
    }

    /**
     * The Linux name and the ports.
     *
     * @return the released handle
     */
    @Benchmark
    public PortHandle both() {
        return takeAndRelease(both);
    }
}
