package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.testkit.FdExhaustionReport;
import io.github.k3portlock.testkit.Fds;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM for {@link AsyncFdExhaustionTest}, started under a low descriptor limit
 * ({@code ulimit -n}) with nothing warmed up: {@code PREFIX N} makes {@code N} single attempts
 * ({@code acquire(key, 0)}) with the shared {@link AsyncPortlock} on the distinct keys
 * {@code PREFIX-0 ...}, keeping what succeeds; queues a second waiter on a few held keys; fills
 * the remaining descriptors; releases every handle at the limit (the queued waiters get theirs by
 * hand-over, and release them too); frees the filler, and locks one new key.
 *
 * <p>Prints one machine-readable line per fact, for the test to assert on:
 * {@code START_SOCKETS n}, {@code ACQUIRED n}, {@code BUSY n}, {@code FAIL <class> <port> <key> |
 * <message>} per failed attempt, {@code HANDED_OVER n of m}, {@code RELEASE_THREW n} (and
 * {@code RELEASE_ERROR <throwable>} for the first), {@code AFTER true|<throwable>},
 * {@code END_SOCKETS n}, {@code DONE}.
 */
public final class AsyncFdExhaustionChild {
    private static final int HAND_OVERS = 8;

    private AsyncFdExhaustionChild() {
    }

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        int n = Integer.parseInt(args[1]);
        // Initialise the library's classes (whatever they open once per JVM is opened now), but
        // make no lock attempt: the JDK's channel close machinery is untouched by this child.
        Class.forName("io.github.k3portlock.internal.Quorum");
        AsyncPortlock lock = AsyncPortlock.create();
        System.out.println("START_SOCKETS " + sockets());

        List<LockHandle> held = new ArrayList<>();
        int busy = 0;
        for (int i = 0; i < n; i++) {
            String key = prefix + "-" + i;
            try {
                held.add(lock.acquire(key, Duration.ZERO).get(30, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PortlockTimeoutException) {
                    busy++; // two of the N keys share ports: contention, not a failure
                } else {
                    fail(key, e.getCause());
                }
            } catch (Throwable t) {
                fail(key, t);
            }
        }
        System.out.println("ACQUIRED " + held.size());
        System.out.println("BUSY " + busy);

        // Waiters the releases below hand the still-bound ports to.
        List<CompletableFuture<LockHandle>> waiting = new ArrayList<>();
        for (int i = 0; i < Math.min(HAND_OVERS, held.size()); i++) {
            waiting.add(lock.acquire(held.get(i).key(), Duration.ofSeconds(60)));
        }

        // Take every descriptor that is left, so the releases certainly run at the limit.
        List<ServerSocketChannel> filler = new ArrayList<>();
        try {
            while (filler.size() < 10_000) {
                filler.add(ServerSocketChannel.open());
            }
        } catch (Throwable expected) {
            // out of descriptors
        }

        int threw = 0;
        for (LockHandle h : held) {
            threw += release(h, threw);
        }
        int handedOver = 0;
        for (CompletableFuture<LockHandle> f : waiting) {
            try {
                LockHandle h = f.get(30, TimeUnit.SECONDS);
                handedOver++;
                threw += release(h, threw);
            } catch (Throwable t) {
                System.out.println("HANDOVER_ERROR " + oneLine(t.toString()));
            }
        }
        System.out.println("HANDED_OVER " + handedOver + " of " + waiting.size());
        System.out.println("RELEASE_THREW " + threw);
        FdExhaustionReport.finish(filler, () -> {
            lock.acquire(prefix + "-after", Duration.ofSeconds(5)).get(30, TimeUnit.SECONDS)
                    .release();
            return null;
        });
        System.exit(0); // the default scheduler's threads are daemons, but say so
    }

    private static int release(LockHandle h, int threwSoFar) {
        try {
            h.release();
            return 0;
        } catch (Throwable t) {
            if (threwSoFar == 0) {
                System.out.println("RELEASE_ERROR " + oneLine(t.toString()));
            }
            return 1;
        }
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
