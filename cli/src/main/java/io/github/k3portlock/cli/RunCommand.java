package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.LockStatus;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code portlock run KEY -- COMMAND [ARGS...]}: runs a command while holding the lock.
 *
 * <p>The lock lives in this JVM: the command does not inherit the sockets (the JDK closes every
 * descriptor but 0-2 in a child). SIGINT, SIGTERM and SIGHUP run a shutdown hook that ends the
 * command before this JVM exits and the kernel frees the ports; SIGKILL cannot be caught, and
 * then the command runs on unlocked.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs COMMAND while holding the lock KEY, and exits with COMMAND's exit code. COMMAND"
                    + " shares portlock's stdin, stdout and stderr. Without --timeout or --nonblock,"
                    + " waits as long as it takes.",
            "SIGINT, SIGTERM or SIGHUP to portlock end COMMAND (SIGTERM to it and its descendants,"
                    + " SIGKILL after " + RunCommand.GRACE_SECONDS + " s) before the lock is released."
                    + " SIGKILL to portlock cannot be caught: COMMAND then runs on unlocked.",
            "Options go before KEY; everything after KEY (and an optional --) is COMMAND."},
        footer = {"", "DURATION: " + Durations.FORMS + ".", "",
            "Exit codes: COMMAND's own (128+N if a signal N killed it); 1, or -E's value, when the lock"
                    + " is held and --nonblock or --timeout gives up; 2 bad arguments; 125 the lock"
                    + " could not be taken for a reason other than contention (e.g. address not"
                    + " local); 126 COMMAND cannot be started; 127 COMMAND not found."})
final class RunCommand implements Callable<Integer> {
    static final int GRACE_SECONDS = 5;
    /** The longest command line quoted in the one-line conflict message. */
    private static final int MAX_COMMAND_LINE = 160;

    @Spec
    CommandSpec spec;

    @Mixin
    SchemeOptions scheme;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Wait wait;

    /** How long to wait: exactly one of the two, or neither (forever). */
    static final class Wait {
        @Option(names = {"-w", "--timeout"}, paramLabel = "DURATION", converter = Durations.class,
                description = "Give up after DURATION if the lock is still held (see DURATION below).")
        Duration timeout;

        @Option(names = {"-n", "--nonblock"},
                description = "Give up at once if the lock is held.")
        boolean nonblock;
    }

    @Option(names = {"-E", "--conflict-exit-code"}, paramLabel = "N", defaultValue = "1",
            description = "Exit code when the lock is held and portlock gives up, 0-255 (default 1).")
    int conflictExitCode;

    @Option(names = {"-v", "--verbose"},
            description = "Report waiting, acquisition and release on stderr.")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "KEY", description = "The lock key.")
    String key;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND",
            description = "The command and its arguments.")
    List<String> command;

    // Guards child and exiting against the race between starting the command (main thread) and
    // the shutdown hook (a signal): a command started after the hook ran would outlive the lock.
    private final ReentrantLock guard = new ReentrantLock();
    private Process child;
    private boolean exiting;
    /** The exit code when the command could not be started (main thread only). */
    private int startFailure;

    @Override
    public Integer call() throws InterruptedException {
        if (!command.isEmpty() && command.get(0).equals("--")) {
            command = command.subList(1, command.size()); // "KEY -- COMMAND": stopAtPositional keeps the --
        }
        if (command.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Missing COMMAND after KEY");
        }
        if (conflictExitCode < 0 || conflictExitCode > 255) {
            throw new ParameterException(spec.commandLine(),
                    "--conflict-exit-code must be 0-255, got " + conflictExitCode);
        }
        LockPorts ports = Main.ports(spec, scheme, key);
        boolean nonblock = wait != null && wait.nonblock;
        Duration timeout = nonblock ? Duration.ZERO
                : wait != null && wait.timeout != null ? wait.timeout
                : Duration.ofNanos(Long.MAX_VALUE); // "forever": 292 years
        PrintWriter err = spec.commandLine().getErr();

        Portlock lock = Portlock.builder(key).scheme(Main.scheme(spec, scheme)).timeout(timeout)
                .build();
        long start = System.nanoTime();
        boolean keepLock = false;
        Runtime.getRuntime().addShutdownHook(new Thread(this::endChild, "portlock-shutdown"));
        boolean locked = lock.tryLock();
        if (!locked && !timeout.isZero()) {
            if (verbose) {
                err.println("portlock: waiting for lock '" + key + "' (" + ports + "), "
                        + Report.heldBy(LockStatus.inspect(ports), MAX_COMMAND_LINE));
                err.flush();
            }
            try {
                lock.acquire();
                locked = true;
            } catch (PortlockTimeoutException e) {
                locked = false;
            }
        }
        if (!locked) {
            double waited = (System.nanoTime() - start) / 1e9;
            err.println("portlock: lock '" + key + "' (" + ports + ") is "
                    + Report.heldBy(LockStatus.inspect(ports), MAX_COMMAND_LINE)
                    + (nonblock || timeout.isZero() ? "; not waiting"
                            : String.format(Locale.ROOT, "; gave up after %.1f s", waited)));
            err.flush();
            return conflictExitCode;
        }
        try {
            if (verbose) {
                err.printf(Locale.ROOT, "portlock: locked '%s' (%s) after %.1f ms%n", key, ports,
                        (System.nanoTime() - start) / 1e6);
                err.flush();
            }
            Process p = start(err);
            if (p == null) {
                return startFailure;
            }
            int code = p.waitFor();
            if (isExiting()) {
                // A signal: the shutdown hook is ending the command's descendants. Keep the lock
                // until they are gone; the kernel frees it when this JVM exits after the hook.
                keepLock = true;
            }
            if (verbose) {
                err.println("portlock: command exited with " + code + "; releasing '" + key + "'");
                err.flush();
            }
            return code;
        } finally {
            if (!keepLock) {
                lock.release();
            }
        }
    }

    private boolean isExiting() {
        guard.lock();
        try {
            return exiting;
        } finally {
            guard.unlock();
        }
    }

    /** Starts the command, unless the JVM is already shutting down; {@code null} if not started. */
    private Process start(PrintWriter err) {
        guard.lock();
        try {
            if (exiting) {
                startFailure = Main.FAILED;
                return null;
            }
            try {
                child = new ProcessBuilder(command).inheritIO().start();
                return child;
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                boolean notFound = m.contains("error=2,") || m.contains("No such file");
                startFailure = notFound ? Main.NOT_FOUND : Main.CANNOT_RUN;
                err.println("portlock: cannot run '" + command.get(0) + "': "
                        + (e.getCause() != null ? e.getCause().getMessage() : m));
                err.flush();
                return null;
            }
        } finally {
            guard.unlock();
        }
    }

    /**
     * The shutdown hook (SIGINT, SIGTERM, SIGHUP, or a normal exit): ends the command and its
     * descendants (SIGTERM, then SIGKILL to those still running after the grace period) and waits
     * for them, so that no part of it outlives the lock, which the kernel frees when this JVM
     * exits right after.
     */
    private void endChild() {
        Process p;
        guard.lock();
        try {
            exiting = true;
            p = child;
        } finally {
            guard.unlock();
        }
        if (p == null || !p.isAlive()) {
            return;
        }
        // Snapshot the tree first: once the command dies, its children are re-parented and no
        // longer its descendants.
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(p.toHandle());
        p.descendants().forEach(tree::add);
        tree.forEach(ProcessHandle::destroy);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
            for (ProcessHandle h : tree) {
                awaitExit(h, deadline - System.nanoTime());
            }
            tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(GRACE_SECONDS);
            for (ProcessHandle h : tree) {
                awaitExit(h, deadline - System.nanoTime());
            }
        } catch (InterruptedException e) {
            tree.forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitExit(ProcessHandle h, long nanos) throws InterruptedException {
        if (nanos <= 0 || !h.isAlive()) {
            return;
        }
        try {
            h.onExit().get(nanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // still running: the caller kills it
        }
    }
}
