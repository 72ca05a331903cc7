package io.github.k3portlock;

import static io.github.k3portlock.PortFixtures.freshKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.Quorum;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.FdExhaustionReport;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Out of file descriptors for real (issue 13): fresh child JVMs under {@code ulimit -n 120}, with
 * nothing warmed up, make 200 attempts on distinct keys with {@link Portlock#tryLock()}. What
 * breaks depends on which close meets the limit first (whether one descriptor or none is left
 * when the first attempt fails), so several JVMs are run, with limits of both parities. In every one,
 * each failed attempt must read "this process is out of file descriptors" with its key and port,
 * a status probe at the limit must say so too, every lock taken must be released without an
 * exception (at the limit), a new key must be lockable afterwards, and the socket count must
 * return to where it started.
 *
 * <p>The library runs from a jar, as users run it: loading a class from a directory needs a
 * descriptor of its own, which a jar (opened once) does not.
 */
class FdExhaustionTest {
    static final int RUNS = 4;
    static final int ATTEMPTS = 200;
    /** The first run's limit; run {@code i} has {@code LIMIT + i}: both parities of spare fds. */
    static final int LIMIT = 120;

    @Test
    void runningOutOfDescriptorsFailsAttemptsClearlyAndNeverARelease(@TempDir Path tmp)
            throws Exception {
        String cp = ChildJvm.jarredClassPath(tmp);
        List<String> broken = new ArrayList<>();
        for (int run = 0; run < RUNS; run++) {
            String prefix = freshKey();
            List<String> out = ChildJvm.runWithFdLimit(LIMIT + run, cp, FdExhaustionChild.class, prefix,
                    Integer.toString(ATTEMPTS));
            List<String> problems = check(out, prefix, true);
            if (!problems.isEmpty()) {
                broken.add("run " + run + " (ulimit -n " + (LIMIT + run) + "): " + problems);
            }
        }
        assertTrue(broken.isEmpty(), broken.size() + " of " + RUNS + " runs broke:\n"
                + String.join("\n", broken));
    }

    /**
     * An out-of-descriptors failure in the form of an error (the JDK class whose initialiser met
     * the limit): a clear {@link PortlockException} with key and port, and the port bound before
     * it is closed. Injected, as the error form cannot be provoked on demand.
     */
    @Test
    void anInitialiserErrorCausedByTheLimitReadsAsOutOfDescriptors() throws Exception {
        LockPorts ports = PortFixtures.freePorts();
        AtomicInteger calls = new AtomicInteger();
        PortBinder binder = a -> {
            if (calls.incrementAndGet() == 2) {
                throw new ExceptionInInitializerError(new SocketException("Too many open files"));
            }
            return PortBinder.openChannel(a);
        };
        long fds = PortFixtures.openFds();
        PortlockException e = assertThrows(PortlockException.class,
                () -> Quorum.tryAcquire(ports, binder));
        assertEquals(ports.key(), e.key());
        assertEquals(ports.basePort() + 1, e.port().getAsInt());
        assertTrue(e.getMessage().contains("this process is out of file descriptors")
                && e.getMessage().contains("'" + ports.key() + "'")
                && e.getMessage().contains(":" + (ports.basePort() + 1)), e.getMessage());
        assertInstanceOf(ExceptionInInitializerError.class, e.getCause());
        assertEquals(fds, PortFixtures.openFds(), "the first port was closed");

        PortBinder broken = a -> {
            throw new NoClassDefFoundError("Could not initialize class sun.nio.ch.Net");
        };
        PortlockException b = assertThrows(PortlockException.class,
                () -> Quorum.tryAcquire(ports, broken));
        assertTrue(b.getMessage().contains("out of file descriptors"), b.getMessage());
        // Any other error stays what it is.
        PortBinder other = a -> {
            throw new NoClassDefFoundError("com/example/Missing");
        };
        assertThrows(NoClassDefFoundError.class, () -> Quorum.tryAcquire(ports, other));
    }

    /**
     * Checks a child's summary; returns what is wrong (empty when all is well): the testkit's
     * common checks, and the status probe at the limit.
     */
    static List<String> check(List<String> out, String prefix, boolean probe) {
        List<String> problems = FdExhaustionReport.check(out, prefix, ATTEMPTS,
                PortlockException.class.getName());
        if (probe && out.contains("DONE")) {
            // The filler took every descriptor, but the JVM may free one meanwhile (a jar it
            // closes): then the right answer is "free", as nobody holds the probed key.
            String p = value(out, "PROBE");
            boolean clearError = p.startsWith("THREW " + PortlockException.class.getName() + " ")
                    && p.contains(prefix + "-probe")
                    && p.contains("this process is out of file descriptors");
            boolean rightAnswer = p.startsWith("RESULT lock '" + prefix + "-probe' free ");
            if (!clearError && !rightAnswer) {
                problems.add("status probe at the limit: " + p);
            }
        }
        return problems;
    }

    static String value(List<String> out, String name) {
        return FdExhaustionReport.value(out, name);
    }
}
