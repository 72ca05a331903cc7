package io.github.k3portlock.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code portlock run KEY -- COMMAND [ARGS...]}: runs a command while holding the lock, from a
 * {@link LockSource} (the port lock, or ZooKeeper with {@code --zookeeper}).
 *
 * <p>The lock lives in this JVM: the command does not inherit the sockets (the JDK closes every
 * descriptor but 0-2 in a child). While the command runs, the processes under it are remembered
 * ({@link CommandTree}), so that they can be found after their parent has died. On a signal, the
 * command and every remembered process are ended before the lock is released: SIGINT, SIGTERM and
 * SIGHUP to this JVM run a shutdown hook that ends them before the JVM exits (and the kernel frees
 * the ports), and when the command dies of a signal (exit status 128+N) the main thread ends what
 * is left of its tree before it releases the lock. The main thread is the only one that releases
 * the lock. SIGKILL cannot be caught, and then the command runs on unlocked.
 */
final class RunCommand {
    /** Exit statuses above this are a death by signal N (128+N), as the JDK and shells report. */
    private static final int SIGNALLED = 128;

    /**
     * Where the command is in its life, as the main thread and the shutdown hook (a signal) see
     * it. Transitions, each made under {@link #guard} through {@link #moveTo}:
     * <pre>
     * NOT_STARTED -> RUNNING    the main thread started the command
     * NOT_STARTED -> SHUTDOWN   the hook ran first: no command may start
     * RUNNING     -> EXITED     the command exited on its own: its leftovers are left alone
     * RUNNING     -> ENDING     the command died of a signal: the main thread ends its tree
     * RUNNING     -> SHUTDOWN   the hook ends the tree
     * ENDING      -> SHUTDOWN   the hook ends the tree too (one after the other)
     * EXITED      -> SHUTDOWN   the JVM exits normally, or a signal came late: nothing to end
     * </pre>
     */
    enum Phase {
        NOT_STARTED, RUNNING, EXITED, ENDING, SHUTDOWN;

        boolean canMoveTo(Phase next) {
            switch (this) {
                case NOT_STARTED:
                    return next == RUNNING || next == SHUTDOWN;
                case RUNNING:
                    return next == EXITED || next == ENDING || next == SHUTDOWN;
                case ENDING:
                case EXITED:
                    return next == SHUTDOWN;
                default:
                    return false;
            }
        }
    }

    private final RunOptions options;
    private final RawArgs argv;
    private final PrintWriter err;
    /** The lock once chosen, for the shutdown hook (which abandons it). */
    private volatile LockSource source;
    /** The lock was lost while the command ran. */
    private volatile boolean lockLost;

    // Guards phase and tree against the races between the main thread (starting the command,
    // deciding how it ended) and the shutdown hook (a signal): a command started after the hook
    // ran would outlive the lock, and so would descendants of a command whose end the main
    // thread took for a normal exit while the hook was starting.
    private final ReentrantLock guard = new ReentrantLock();
    /** See {@link Phase}; only through {@link #moveTo}, under {@link #guard}. */
    private Phase phase = Phase.NOT_STARTED;
    /** The command's processes, once it runs. */
    private CommandTree tree;
    /** The exit code when the command could not be started (main thread only). */
    private int startFailure;

    private RunCommand(RunOptions options, RawArgs argv, PrintWriter err) {
        this.options = options;
        this.argv = argv;
        this.err = err;
    }

    /**
     * Parses run's arguments (after {@code run}); {@code argv} is the whole command line, for
     * COMMAND's bytes; {@code err} is where it reports.
     */
    static RunCommand parse(List<String> args, RawArgs argv, PrintWriter err) {
        return new RunCommand(RunOptions.parse(args), argv, err);
    }

    int call(PrintWriter out) throws InterruptedException {
        if (options.help || options.version) {
            return Commands.helpOrVersion(RunOptions.SPEC, options.help, out);
        }
        String key = options.key;
        LockSource lock;
        if (options.zookeeper != null) {
            lock = ZooKeeperLockSource.create(RunOptions.SPEC, options.zookeeper, options.zkRoot,
                    key);
        } else {
            PortLockSource ports = PortLockSource.create(RunOptions.SPEC, options.scheme, key);
            ports.noticeInterop(options.verbose, err);
            lock = ports;
        }
        source = lock;
        Duration timeout = options.timeout;
        long start = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "portlock-shutdown"));
        try {
            verbose("portlock: taking lock '" + key + "' (" + lock.describe() + ")");
            boolean locked = lock.acquire(timeout, () -> verbose("portlock: waiting for lock '"
                    + key + "' (" + lock.describe() + "), " + lock.holder()));
            if (!locked) {
                if (!options.quiet) {
                    // Rounded down: the message never claims a longer wait than there was.
                    double waited = Math.floor((System.nanoTime() - start) / 1e8) / 10;
                    err.println("portlock: lock '" + key + "' (" + lock.describe() + ") is "
                            + lock.holder() + (timeout != null && timeout.isZero()
                                    ? "; not waiting"
                                    : String.format(Locale.ROOT, "; gave up after %.1f s",
                                            waited)));
                    err.flush();
                }
                return options.conflictExitCode;
            }
            verbose(String.format(Locale.ROOT, "portlock: locked '%s' (%s%s) after %.1f ms", key,
                    lock.describe(), lock.heldDetail(), (System.nanoTime() - start) / 1e6));
            return runCommand(lock);
        } finally {
            // The only release. After a signal it comes after the tree was ended; if the JVM
            // exits first, it does so after the hook ended the tree and abandoned the lock.
            lock.release();
        }
    }

    private void verbose(String line) {
        if (options.verbose) {
            err.println(line);
            err.flush();
        }
    }

    /** Runs the command while the lock is held and returns its exit code. */
    private int runCommand(LockSource lock) throws InterruptedException {
        Process p = start();
        if (p == null) {
            return startFailure;
        }
        lock.onLost(() -> lost(lock));
        ScheduledExecutorService tracker = tree.track();
        int code;
        try {
            code = p.waitFor();
        } finally {
            tracker.shutdownNow();
        }
        if (signalled(code)) {
            // A signal, to portlock (the hook is ending the tree too) or to the command (sh
            // killed by Ctrl-C while its background jobs, which ignore SIGINT, run on):
            // nothing the command started may outlive the lock.
            tree.end();
        }
        if (lockLost) {
            return Main.LOST;
        }
        verbose("portlock: command exited with " + code + "; releasing '" + options.key + "'");
        return code;
    }

    /** The lock was lost while the command ran: ends it as a signal would. */
    private void lost(LockSource lock) {
        lockLost = true;
        err.println("portlock: lost lock '" + options.key + "' (" + lock.describe() + "): the"
                + " connection to ZooKeeper was interrupted and another host may take the lock;"
                + " ending COMMAND");
        err.flush();
        CommandTree t;
        guard.lock();
        try {
            t = tree;
        } finally {
            guard.unlock();
        }
        t.end();
    }

    /** Starts the command, unless the JVM is already shutting down; {@code null} if not started. */
    private Process start() {
        List<String> command = options.command;
        List<String> exact = ExactCommand.of(command, argv.lastBytes(command.size()),
                Charset.defaultCharset(), RawArgs.jnu());
        guard.lock();
        try {
            if (phase == Phase.SHUTDOWN) {
                startFailure = Main.FAILED;
                return null;
            }
            Process p;
            try {
                p = new ProcessBuilder(exact).inheritIO().start();
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                boolean notFound = m.contains("error=2,") || m.contains("No such file");
                startFailure = notFound ? Main.NOT_FOUND : Main.CANNOT_RUN;
                err.println("portlock: cannot run '" + command.get(0) + "': "
                        + (e.getCause() != null ? e.getCause().getMessage() : m));
                err.flush();
                return null;
            }
            tree = new CommandTree(p, ProcessTree.PROC, options.verbose ? err : null);
            moveTo(Phase.RUNNING);
            return p;
        } finally {
            guard.unlock();
        }
    }

    /**
     * Decides, once the command has exited, whether it ended by a signal (to portlock, or to the
     * command: status 128+N); if not, the shutdown hook will leave the command's leftovers alone.
     */
    private boolean signalled(int code) {
        guard.lock();
        try {
            if (phase == Phase.SHUTDOWN) {
                return true;
            }
            boolean signalled = code > SIGNALLED || shutdownBegun();
            moveTo(signalled ? Phase.ENDING : Phase.EXITED);
            return signalled;
        } finally {
            guard.unlock();
        }
    }

    /** Moves to {@code next}; the caller holds {@link #guard}. */
    private void moveTo(Phase next) {
        if (!phase.canMoveTo(next)) {
            throw new IllegalStateException("run: " + phase + " -> " + next);
        }
        phase = next;
    }

    /**
     * Tells whether the JVM has begun to shut down, even if this command's hook has not started
     * yet (a signal arrived, and its hook thread is on its way): no hook can be added then.
     */
    private static boolean shutdownBegun() {
        Thread probe = new Thread(() -> { }, "portlock-shutdown-probe");
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true; // "Shutdown in progress"
        }
    }

    /**
     * The shutdown hook (SIGINT, SIGTERM, SIGHUP, or a normal exit): unless the command exited on
     * its own, ends it and everything seen under it, and returns only when they are gone, so that
     * none of them outlives the lock, which the kernel frees when this JVM exits right after.
     */
    private void onShutdown() {
        try {
            CommandTree t;
            guard.lock();
            try {
                Phase was = phase;
                moveTo(Phase.SHUTDOWN);
                t = was == Phase.RUNNING || was == Phase.ENDING ? tree : null;
            } finally {
                guard.unlock();
            }
            if (t != null) {
                t.end();
            }
        } finally {
            // A ZooKeeper lock, held or waited for, is not freed by the JVM's exit: its session
            // would keep it until it expires. Closing the session deletes its node at once.
            LockSource lock = source;
            if (lock != null) {
                lock.abandon();
            }
        }
    }
}
