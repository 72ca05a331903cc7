package io.github.k3portlock;

import io.github.k3portlock.status.LockStatus;
import io.github.k3portlock.testkit.FdExhaustionReport;
import io.github.k3portlock.testkit.Fds;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM for {@link FdExhaustionTest}, started under a low descriptor limit
 * ({@code ulimit -n}) with nothing warmed up: {@code PREFIX N} makes {@code N} attempts with
 * {@link Portlock#tryLock()} on the distinct keys {@code PREFIX-0 ...}, keeping what succeeds;
 * then fills the remaining descriptors and inspects a key with {@link LockStatus#inspect}; then
 * releases every lock (still at the limit), frees the filler, and locks one new key.
 *
 * <p>Prints one machine-readable line per fact, for the test to assert on:
 * {@code START_SOCKETS n}, {@code ACQUIRED n}, {@code BUSY n}, {@code FAIL <class> <port> <key> |
 * <message>} per failed attempt, {@code PROBE <outcome>}, {@code RELEASE_THREW n} (and
 * {@code RELEASE_ERROR <throwable>} for the first), {@code AFTER true|false|<throwable>},
 * {@code END_SOCKETS n}, {@code DONE}.
 */
public final class FdExhaustionChild {
    private FdExhaustionChild() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        int n = Integer.parseInt(args[1]);
        // Initialise the library's classes (whatever they open once per JVM is opened now), but
        // make no lock attempt: the JDK's channel close machinery is untouched by this child.
        Class.forName("io.github.k3portlock.internal.Quorum");
        System.out.println("START_SOCKETS " + sockets());

        List<Portlock> held = new ArrayList<>();
        int busy = 0;
        for (int i = 0; i < n; i++) {
            String key = prefix + "-" + i;
            Portlock lock = new Portlock(key, Duration.ZERO);
            try {
                if (lock.tryLock()) {
                    held.add(lock);
                } else {
                    busy++; // two of the N keys share ports: contention, not a failure
                }
            } catch (Throwable t) {
                fail(key, t);
            }
        }
        System.out.println("ACQUIRED " + held.size());
        System.out.println("BUSY " + busy);

        // Take every descriptor that is left, so the probe certainly meets the limit.
        List<ServerSocketChannel> filler = new ArrayList<>();
        try {
            while (filler.size() < 10_000) {
                filler.add(ServerSocketChannel.open());
            }
        } catch (Throwable expected) {
            // out of descriptors
        }
        LockPorts probed = PortScheme.DEFAULT.lockPorts(prefix + "-probe");
        try {
            LockStatus s = LockStatus.inspect(probed);
            System.out.println("PROBE RESULT " + oneLine(s.toString()));
        } catch (Throwable t) {
            String port = t instanceof PortlockException p ? Integer.toString(p.port().orElse(-1)) : "-";
            String key = t instanceof PortlockException q ? q.key() : "-";
            System.out.println("PROBE THREW " + t.getClass().getName() + " " + port + " " + key
                    + " | " + oneLine(String.valueOf(t.getMessage())));
        }

        int threw = 0;
        for (Portlock lock : held) {
            try {
                lock.release();
            } catch (Throwable t) {
                if (threw++ == 0) {
                    System.out.println("RELEASE_ERROR " + oneLine(t.toString()));
                }
            }
        }
        System.out.println("RELEASE_THREW " + threw);
        FdExhaustionReport.finish(filler, () -> {
            Portlock lock = new Portlock(prefix + "-after", Duration.ofSeconds(5));
            lock.acquire();
            lock.release();
            return null;
        });
    }

    private static void fail(String key, Throwable t) {
        FdExhaustionReport.fail(key, t,
                t instanceof PortlockException p ? p.port().orElse(-1) : -1);
    }

    static String oneLine(String s) {
        return FdExhaustionReport.oneLine(s);
    }

    /** Socket descriptors of this process, counted cold (nothing opened to warm up). */
    static long sockets() {
        return Fds.socketsWithoutWarmUp();
    }
}
