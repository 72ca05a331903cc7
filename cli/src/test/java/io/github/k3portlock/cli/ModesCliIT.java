package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;

/**
 * {@code portlock run --shared} and {@code portlock run --permits N}, on the port lock and with
 * {@code --zookeeper}: the shaded jar in child JVMs (a ZooKeeper server started here).
 */
class ModesCliIT {
    /** Starts {@code portlock ARGS -- sh -c 'echo LOCKED; read x'}: it holds until stdin ends. */
    private static Process hold(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--", "sh", "-c", "echo LOCKED; read x || true"));
        Process p = Cli.start(all.toArray(String[]::new));
        Cli.awaitLine(p, "LOCKED");
        return p;
    }

    /** Ends a holder's command (its stdin closes) and checks that it exited 0. */
    private static void end(Process p) throws Exception {
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the holder did not end");
        assertEquals(0, p.exitValue());
    }

    private static List<String> args(List<String> prefix, String... more) {
        List<String> all = new ArrayList<>(prefix);
        all.addAll(List.of(more));
        return all;
    }

    /** Readers together, a writer alone, on the lock that {@code base} (run + options) names. */
    private static void sharedRunsTogetherExclusiveAlone(List<String> base, List<String> shared)
            throws Exception {
        String key = Cli.freshKey();
        Process reader = hold(args(shared, key).toArray(String[]::new));
        try {
            Cli.Result second = Cli.run(args(shared, "--nonblock", key, "--", "echo", "together")
                    .toArray(String[]::new));
            assertEquals(0, second.code, second.toString());
            assertEquals("together\n", second.out, second.toString());
            Cli.Result writer = Cli.run(args(base, "--nonblock", key, "--", "echo", "must-not-run")
                    .toArray(String[]::new));
            assertEquals(1, writer.code, writer.toString());
            assertEquals("", writer.out, writer.toString());
            assertTrue(writer.err.contains("not waiting"), writer.toString());
        } finally {
            end(reader);
        }
        Process writer = hold(args(base, key).toArray(String[]::new));
        try {
            Cli.Result r = Cli.run(args(shared, "--nonblock", key, "--", "echo", "must-not-run")
                    .toArray(String[]::new));
            assertEquals(1, r.code, r.toString());
            assertTrue(r.err.contains("shared") && r.err.contains("not waiting"), r.toString());
        } finally {
            end(writer);
        }
    }

    /** Two permits: two holders, a third gives up, and gets in once one ends. */
    private static void permitsCount(List<String> base) throws Exception {
        String key = Cli.freshKey();
        List<String> two = args(base, "--permits", "2");
        Process a = hold(args(two, key).toArray(String[]::new));
        Process b = hold(args(two, key).toArray(String[]::new));
        try {
            Cli.Result third = Cli.run(args(two, "--nonblock", key, "--", "echo", "must-not-run")
                    .toArray(String[]::new));
            assertEquals(1, third.code, third.toString());
            assertEquals("", third.out, third.toString());
            assertTrue(third.err.contains("held") && third.err.contains("not waiting"),
                    third.toString());
            Cli.Result lock = Cli.run(args(base, "--nonblock", key, "--", "echo", "apart")
                    .toArray(String[]::new));
            assertEquals("apart\n", lock.out, "the lock KEY is apart from the semaphore: " + lock);
            end(a);
            Cli.Result now = Cli.run(args(two, "--nonblock", key, "--", "echo", "in")
                    .toArray(String[]::new));
            assertEquals(0, now.code, now.toString());
            assertEquals("in\n", now.out, now.toString());
        } finally {
            Cli.destroyTree(a);
            end(b);
        }
    }

    @Test
    void sharedRunsHoldTogetherAndExcludeAnExclusiveRunOnThePortLock() throws Exception {
        sharedRunsTogetherExclusiveAlone(List.of("run"), List.of("run", "--shared"));
    }

    @Test
    void permitsCountOnThePortLock() throws Exception {
        permitsCount(List.of("run"));
    }

    @Test
    void sharedRunsAndPermitsOnZooKeeper() throws Exception {
        try (TestingServer server = new TestingServer(true)) {
            List<String> rw = List.of("run", "--zookeeper", server.getConnectString(),
                    "--zk-layout", "read-write");
            sharedRunsTogetherExclusiveAlone(rw, args(rw, "--shared"));
            permitsCount(List.of("run", "--zookeeper", server.getConnectString()));
        }
    }

    @Test
    void badCombinationsAreUsageErrors() throws Exception {
        String key = Cli.freshKey();
        String[][] bad = {
            {"run", "--shared", "--permits", "2", key, "--", "true"},
            {"run", "--permits", "0", key, "--", "true"},
            {"run", "--permits", "65", key, "--", "true"},
            {"run", "--permits", "2", "--port-count", "5", key, "--", "true"},
            {"run", "--zookeeper", "127.0.0.1:1", "--shared", key, "--", "true"},
            {"run", "--zk-layout", "read-write", key, "--", "true"},
            {"run", "--zookeeper", "127.0.0.1:1", "--zk-layout", "rw", key, "--", "true"},
        };
        String[] says = {"mutually exclusive", "--permits must be 1-64", "--permits must be 1-64",
            "--port-count", "--zk-layout=read-write", "--zk-layout needs --zookeeper",
            "'--zk-layout'"};
        for (int i = 0; i < bad.length; i++) {
            Cli.Result r = Cli.run(bad[i]);
            assertEquals(2, r.code, r.toString());
            assertTrue(r.err.contains(says[i]), says[i] + " in " + r);
        }
    }
}
