package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/** Runs the shaded {@code portlock.jar} in child JVMs, as users do. */
final class Cli {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private Cli() {
    }

    /** A finished run. */
    static final class Result {
        final int code;
        final String out;
        final String err;
        final Duration elapsed;

        Result(int code, String out, String err, Duration elapsed) {
            this.code = code;
            this.out = out;
            this.err = err;
            this.elapsed = elapsed;
        }

        @Override
        public String toString() {
            return "exit " + code + " after " + elapsed.toMillis() + " ms\n--- stdout\n" + out
                    + "--- stderr\n" + err;
        }
    }

    static String freshKey() {
        return "test-" + UUID.randomUUID();
    }

    static Path jar() {
        String p = System.getProperty("portlock.jar");
        if (p == null) {
            fail("system property portlock.jar is not set: run the ITs through Maven failsafe");
        }
        Path jar = Paths.get(p);
        if (!Files.isRegularFile(jar)) {
            fail("no shaded jar at " + jar + ": run 'mvn verify' (it is built in package)");
        }
        return jar;
    }

    static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator
                        + "java"));
        // Quick start on a loaded 2-core box; the launcher script uses the same flags.
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs portlock to completion with {@code stdin} as its input. */
    static Result runWithInput(String stdin, String... args)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("portlock-it");
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Files.writeString(in, stdin == null ? "" : stdin);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command(args)).redirectInput(in.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                fail("portlock " + String.join(" ", args) + " did not exit within " + DEADLINE);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err),
                    elapsed);
        } finally {
            destroyTree(p);
            for (Path f : List.of(in, out, err, dir)) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Runs portlock to completion with empty input. */
    static Result run(String... args) throws IOException, InterruptedException {
        return runWithInput("", args);
    }

    /** Starts portlock with piped stdin and stdout; stderr goes to the test's. */
    static Process start(String... args) throws IOException {
        return new ProcessBuilder(command(args)).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /**
     * Starts {@code portlock run KEY -- sh -c 'echo LOCKED; exec sleep 120'} and waits until the
     * command runs (so the lock is held).
     */
    static Process startHolder(String key) throws Exception {
        Process p = start("run", key, "--", "sh", "-c", "echo LOCKED; exec sleep 120");
        awaitLine(p, "LOCKED");
        return p;
    }

    /** Reads the process's stdout until a line equal to {@code line}, within the deadline. */
    static void awaitLine(Process p, String line) {
        ChildJvm.awaitLine(p, "the line '" + line + "'", line::equals, DEADLINE);
    }

    /**
     * Reads the process's stdout until a line that starts with {@code prefix}, within the
     * deadline, and returns it.
     */
    static String awaitLineStartingWith(Process p, String prefix) {
        return ChildJvm.awaitLine(p, prefix, DEADLINE);
    }

    /** Kills a process and everything it started (best effort, for cleanup). */
    static void destroyTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /**
     * The command line of {@code portlock ARGS} in a session and process group of its own (the
     * CLI's pid is the group id), with SIGINT at its default disposition even if this JVM ignores
     * it (a background job's), as in a terminal's foreground job.
     */
    static List<String> commandInOwnGroup(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "--default-signal=INT", "setsid"));
        cmd.addAll(command(args));
        return cmd;
    }

    /** Sends {@code signal} (e.g. "INT") to every process in process group {@code pgid}. */
    static void killGroup(String signal, long pgid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
                .redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
            fail("kill -" + signal + " -- -" + pgid + " failed: " + out);
        }
    }

    /** Reads a process's process group id from {@code /proc/<pid>/stat}. */
    static long processGroup(long pid) throws IOException {
        String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[2]); // state ppid pgrp
    }

    /**
     * Tells whether a process has ended: exited, or a zombie (the JDK counts a zombie as alive,
     * and a process re-parented to a pid 1 that does not reap stays one).
     */
    static boolean gone(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(h.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return !h.isAlive();
        }
    }

    /** Waits until {@code file} holds a pid and a newline, then returns that process. */
    static ProcessHandle awaitPidFile(Path file) throws Exception {
        await("a pid in " + file, () -> {
            try {
                return Files.readString(file).endsWith("\n");
            } catch (IOException e) {
                return false;
            }
        });
        long pid = Long.parseLong(Files.readString(file).strip());
        return ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("pid " + pid
                + " from " + file + " has already exited"));
    }

    /** A process's output, read line by line on a daemon thread and awaited with a deadline. */
    static final class Lines {
        private static final String EOF = new String("EOF"); // compared by identity
        private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        private final List<String> seen = new ArrayList<>();

        Lines(InputStream in) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        queue.add(l);
                    }
                } catch (IOException e) {
                    // the process is gone; EOF below
                } finally {
                    queue.add(EOF);
                }
            }, "cli-lines");
            t.setDaemon(true);
            t.start();
        }

        /** Returns the first line (not yet consumed) that matches, within the deadline. */
        String await(String what, Predicate<String> wanted) throws InterruptedException {
            long end = System.nanoTime() + DEADLINE.toNanos();
            while (true) {
                String l = queue.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null || l == EOF) {
                    if (l == EOF) {
                        queue.add(EOF);
                    }
                    fail((l == null ? "timed out" : "output ended") + " waiting for " + what
                            + "; lines so far: " + seen);
                }
                seen.add(l);
                if (wanted.test(l)) {
                    return l;
                }
            }
        }

        @Override
        public String toString() {
            return String.join("\n", seen);
        }
    }

    /** Waits for a condition with a deadline ({@link Await#until}). */
    static void await(String what, BooleanSupplier condition) {
        Await.until(what, DEADLINE, condition);
    }
}
