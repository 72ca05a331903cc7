package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.PortlockException;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.FdExhaustionReport;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out of file descriptors for real (issue 13), asynchronously: fresh child JVMs under
 * {@code ulimit -n 120}, with nothing warmed up, make 200 single attempts on distinct keys with
 * {@link AsyncPortlock#acquire(String, java.time.Duration)}. What
 * breaks depends on which close meets the limit first (whether one descriptor or none is left
 * when the first attempt fails), so several JVMs are run, with limits of both parities. In every one,
 * each failed attempt must read "this process is out of file descriptors" with its key and port
 * (never "unexpected failure"), every lock taken must be released without an exception at the
 * limit, a release with a waiter queued must hand the lock over, a new key must be lockable
 * afterwards, and the socket count must
 * return to where it started.
 *
 * <p>The library runs from a jar, as users run it: loading a class from a directory needs a
 * descriptor of its own, which a jar (opened once) does not.
 */
class AsyncFdExhaustionTest {
    static final int RUNS = 4;
    static final int ATTEMPTS = 200;
    /** The first run's limit; run {@code i} has {@code LIMIT + i}: both parities of spare fds. */
    static final int LIMIT = 120;

    @Test
    void runningOutOfDescriptorsFailsAttemptsClearlyAndNeverAReleaseOrHandOver(@TempDir Path tmp)
            throws Exception {
        String cp = ChildJvm.jarredClassPath(tmp);
        List<String> broken = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            String prefix = FutureFixtures.key();
            List<String> out = ChildJvm.runWithFdLimit(LIMIT + run, cp, AsyncFdExhaustionChild.class, prefix,
                    Integer.toString(ATTEMPTS));
            List<String> problems = check(out, prefix);
            if (!problems.isEmpty()) {
                broken.add("run " + run + " (ulimit -n " + (LIMIT + run) + "): " + problems);
            }
        }
        assertTrue(broken.isEmpty(), broken.size() + " of " + RUNS + " runs broke:\n"
                + String.join("\n", broken));
    }

    /**
     * An out-of-descriptors failure in the form of an error (a JDK initialiser that met the limit)
     * fails the waiter with a clear {@link PortlockException} naming key and port, never
     * "unexpected failure". Injected, as the error form cannot be provoked on demand.
     */
    @Test
    void anInitialiserErrorCausedByTheLimitReadsAsOutOfDescriptors() throws Exception {
        String key = FutureFixtures.key();
        PortBinder exhausted = a -> {
            throw new ExceptionInInitializerError(new SocketException("Too many open files"));
        };
        AsyncPortlock lock = AsyncPortlock.builder().build(Tuning.DEFAULT.withBinder(exhausted));
        long fds = FutureFixtures.openFds();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> lock.acquire(key, Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS));
        PortlockException p = assertInstanceOf(PortlockException.class, e.getCause());
        assertEquals(key, p.key());
        assertTrue(p.port().orElse(-1) > 0, "port " + p.port());
        assertTrue(p.getMessage().contains("this process is out of file descriptors")
                && p.getMessage().contains("'" + key + "'")
                && !p.getMessage().contains("unexpected failure"), p.getMessage());
        assertEquals(fds, FutureFixtures.openFds());
    }

    /**
     * Checks a child's summary; returns what is wrong (empty when all is well): the testkit's
     * common checks, and the hand-overs at the limit.
     */
    static List<String> check(List<String> out, String prefix) {
        List<String> problems = FdExhaustionReport.check(out, prefix, ATTEMPTS,
                PortlockException.class.getName());
        if (out.contains("DONE")) {
            String handed = value(out, "HANDED_OVER");
            String[] h = handed.split(" of ");
            if (h.length != 2 || !h[0].equals(h[1]) || h[0].equals("0")) {
                problems.add("hand-overs at the limit: " + handed + " "
                        + value(out, "HANDOVER_ERROR"));
            }
        }
        return problems;
    }

    static String value(List<String> out, String name) {
        return FdExhaustionReport.value(out, name);
    }
}
