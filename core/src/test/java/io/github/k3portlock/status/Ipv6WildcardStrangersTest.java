package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortFixtures;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, item 2: strangers listening on {@code [::]} decide the lock's state only as far as a
 * bind on its IPv4 address says: with {@code IPV6_V6ONLY} they do not block it (status free, exit
 * 0), dual-stack they do (held). The JDK has no {@code IPV6_V6ONLY} option, so a python3 stdlib
 * helper listens.
 */
class Ipv6WildcardStrangersTest {
    private static final String LISTENER = String.join("\n",
            "import socket, sys",
            "socks = []",
            "for p in sys.argv[2:]:",
            "    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)",
            "    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(sys.argv[1]))",
            "    try:",
            "        s.bind(('::', int(p)))",
            "    except OSError as e:",
            "        print('BUSY', p, e, flush=True)",
            "        sys.exit(3)",
            "    s.listen(1)",
            "    socks.append(s)",
            "print('READY', flush=True)",
            "sys.stdin.read()",
            "");

    @BeforeAll
    static void needs() {
        Assumptions.assumeTrue(Files.isReadable(Paths.get("/proc/net/tcp6")),
                "needs Linux with IPv6 (/proc/net/tcp6)");
        Assumptions.assumeTrue(python3() != null, "needs python3 on PATH for an IPV6_V6ONLY listener");
    }

    private static String python3() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Paths.get(dir, "python3"))) {
                return Paths.get(dir, "python3").toString();
            }
        }
        return null;
    }

    /** A python3 listening on {@code [::]:port} for two of a fresh key's ports; null if busy. */
    private static Process listen(LockPorts target, boolean v6only) throws Exception {
        Process p = new ProcessBuilder(python3(), "-c", LISTENER, v6only ? "1" : "0",
                target.numbers().get(0).toString(), target.numbers().get(1).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String first = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
        if ("READY".equals(first)) {
            return p;
        }
        stop(p);
        assertTrue(first != null && first.startsWith("BUSY"), "python3 listener said " + first);
        return null;
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python3 listener did not exit");
    }

    private interface Check {
        void run(LockPorts target, Process listener) throws Exception;
    }

    private static void withStrangers(boolean v6only, Check check) throws Exception {
        for (int attempt = 0; attempt < 10; attempt++) {
            LockPorts target = PortScheme.DEFAULT.lockPorts(PortFixtures.freshKey());
            Process p = listen(target, v6only);
            if (p == null) {
                continue; // a port of this key is taken: another key
            }
            try {
                check.run(target, p);
            } finally {
                stop(p);
            }
            return;
        }
        throw new AssertionError("no key with two free ports in 10 tries");
    }

    @Test
    void v6OnlyStrangersOnTheWildcardLeaveTheLockFree() throws Exception {
        withStrangers(true, (target, listener) -> {
            LockStatus s = LockStatus.inspect(target);
            assertEquals(State.FREE, s.state(), s.toString());
            assertEquals(List.of(State.FREE, State.FREE), s.portStatuses().subList(0, 2).stream()
                    .map(PortStatus::state).collect(Collectors.toList()), s.toString());
            try (Portlock lock = Portlock.builder(target.key()).build()) {
                assertTrue(lock.tryLock(), "a 127.0.0.1 bind does not conflict with v6-only [::]");
                lock.release();
            }
        });
    }

    @Test
    void dualStackStrangersOnTheWildcardHoldTheLock() throws Exception {
        withStrangers(false, (target, listener) -> {
            LockStatus s = LockStatus.inspect(target);
            assertEquals(State.HELD, s.state(), s.toString());
            for (PortStatus p : s.portStatuses().subList(0, 2)) {
                assertEquals(State.HELD, p.state(), s.toString());
                assertEquals(Optional.of("listening"), p.socketState(), s.toString());
                assertEquals(List.of(listener.pid()), p.holders().stream().map(PortHolder::pid)
                        .collect(Collectors.toList()), s.toString());
            }
            try (Portlock lock = Portlock.builder(target.key()).build()) {
                assertFalse(lock.tryLock(), "dual-stack [::] takes 127.0.0.1's port too");
            }
        });
    }
}
