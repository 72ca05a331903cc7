package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.status.LockStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code portlock run KEY -- COMMAND [ARGS...]}: runs a command while holding the lock.
 *
 * <p>The lock lives in this JVM: the command does not inherit the sockets (the JDK closes every
 * descriptor but 0-2 in a child). While the command runs, the processes under it are looked up
 * every {@value #TRACK_MILLIS} ms and remembered, so that they can be found after their parent has
 * died and they were re-parented away from the command's tree. On a signal, the command and every
 * remembered process are ended before the lock is released: SIGINT, SIGTERM and SIGHUP to this JVM
 * run a shutdown hook that ends them before the JVM exits (and the kernel frees the ports), and
 * when the command dies of a signal (exit status 128+N) the main thread ends what is left of its
 * tree before it releases the lock. The main thread is the only one that releases the lock.
 * SIGKILL cannot be caught, and then the command runs on unlocked.
 */
final class RunCommand {
    static final int GRACE_SECONDS = 5;
    /** The exit code when the ZooKeeper lock was lost while the command ran. */
    static final int LOST = 123;
    /** --zk-root's default. */
    static final String ZK_DEFAULT_ROOT = "/k3portlock";
    /** The ZooKeeper session timeout: how long the lock of a dead holder outlives it. */
    static final int ZK_SESSION_SECONDS = 30;
    /** How often the processes under the command are looked up while it runs. */
    static final long TRACK_MILLIS = 100;
    /** The longest command line quoted in the one-line conflict message. */
    private static final int MAX_COMMAND_LINE = 160;
    /** Exit statuses above this are a death by signal N (128+N), as the JDK and shells report. */
    private static final int SIGNALLED = 128;
    private static final Path PROC = Paths.get("/proc");

    static final Args.Spec SPEC = new Args.Spec("run", "[-hnvV] [--wide-loopback] [-E=N]"
            + " [--host=IP] [--port-count=N] [--range-size=N] [--range-start=PORT] [-w=DURATION]"
            + " [--zookeeper=CONNECT [--zk-root=PATH]] KEY COMMAND...",
            List.of("Runs COMMAND while holding the lock KEY, and exits with COMMAND's exit code."
                    + " COMMAND shares portlock's stdin, stdout and stderr. Without --timeout or"
                    + " --nonblock, waits as long as it takes.",
                "SIGINT, SIGTERM or SIGHUP to portlock end COMMAND and its descendants (SIGTERM,"
                    + " SIGKILL after " + GRACE_SECONDS + " s) before the lock is released. If"
                    + " COMMAND itself is killed by a signal, the descendants it leaves are ended the"
                    + " same way before the release. Processes that leave COMMAND's tree before"
                    + " portlock's next look (every " + TRACK_MILLIS + " ms), such as daemons that"
                    + " detach at once, are missed. SIGKILL to portlock cannot be caught: COMMAND"
                    + " then runs on unlocked.",
                "With --zookeeper, the lock is a ZooKeeper lock (the children of ZK-ROOT/KEY,"
                    + " as Curator's InterProcessMutex lays them out) that serialises COMMAND across"
                    + " every host using the same ensemble and root; --timeout, --nonblock and -E"
                    + " keep their meaning. The lock is lost when the connection to the ensemble is"
                    + " interrupted (SUSPENDED: another host may take it once the "
                    + ZK_SESSION_SECONDS + " s session expires): COMMAND and its"
                    + " descendants are then ended as on a signal, and portlock exits "
                    + LOST + ". A portlock killed with SIGKILL, or a host that dies, keeps the lock"
                    + " until its session expires.",
                "Options go before KEY; everything after KEY (and an optional --) is COMMAND."),
            options(), 1, true,
            List.of("", "DURATION: " + Durations.FORMS + ".", "",
                "Exit codes: COMMAND's own (128+N if a signal N killed it); 1, or -E's value, when"
                    + " the lock is held and --nonblock or --timeout gives up; 2 bad arguments; 125"
                    + " portlock cannot start, or the lock could not be taken for a reason other"
                    + " than contention (e.g. address not local, ZooKeeper unreachable); " + LOST
                    + " the ZooKeeper lock was lost while COMMAND ran (COMMAND was ended); 126"
                    + " COMMAND cannot be started; 127 COMMAND not found."));


    private final SchemeOptions scheme;
    /** The wait: {@code null} for as long as it takes; zero for --nonblock. */
    private final Duration timeout;
    private final boolean nonblock;
    private final int conflictExitCode;
    private final boolean verbose;
    private final boolean help;
    private final boolean version;
    private final String key;
    private final List<String> command;
    /** The ZooKeeper connect string, {@code null} for the port lock. */
    private final String zookeeper;
    private final String zkRoot;
    /** The ZooKeeper lock once created, for the shutdown hook (which closes its session). */
    private volatile ZooKeeperRun zk;
    /** The ZooKeeper lock was lost while the command ran. */
    private volatile boolean lockLost;

    private static List<Args.Opt> options() {
        List<Args.Opt> o = new ArrayList<>(List.of(
                Args.Opt.value("DURATION", "Give up after DURATION if the lock is still held (see"
                        + " DURATION below).", "-w", "--timeout"),
                Args.Opt.flag("Give up at once if the lock is held.", "-n", "--nonblock"),
                Args.Opt.value("N", "Exit code when the lock is held and portlock gives up, 0-255"
                        + " (default 1).", "-E", "--conflict-exit-code"),
                Args.Opt.flag("Report waiting, acquisition, the processes seen under COMMAND, and"
                        + " release on stderr.", "-v", "--verbose"),
                Args.Opt.value("CONNECT", "Take a ZooKeeper lock instead of the port lock, from the"
                        + " ensemble at CONNECT (host:port[,host:port...][/chroot]).",
                        "--zookeeper"),
                Args.Opt.value("PATH", "The znode under which --zookeeper's locks live (default "
                        + ZK_DEFAULT_ROOT + ").", "--zk-root")));
        o.addAll(SchemeOptions.OPTIONS);
        o.add(Args.HELP);
        o.add(Args.VERSION);
        return List.copyOf(o);
    }

    private RunCommand(Args a, PrintWriter err) {
        this.err = err;
        scheme = new SchemeOptions(a);
        help = a.has("--help");
        version = a.has("--version");
        verbose = a.has("--verbose");
        nonblock = a.has("--nonblock");
        if (nonblock && a.has("--timeout")) {
            throw new Args.UsageException(SPEC,
                    "--timeout=DURATION, --nonblock are mutually exclusive (specify only one)");
        }
        try {
            timeout = a.has("--timeout") ? Durations.parse(a.value("--timeout")) : null;
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(SPEC, "Invalid value for option '--timeout': "
                    + e.getMessage());
        }
        zookeeper = a.value("--zookeeper");
        zkRoot = a.has("--zk-root") ? a.value("--zk-root") : ZK_DEFAULT_ROOT;
        if (zookeeper == null && a.has("--zk-root")) {
            throw new Args.UsageException(SPEC, "--zk-root needs --zookeeper");
        }
        if (zookeeper != null) {
            for (Args.Opt o : SchemeOptions.OPTIONS) {
                if (a.has(o.longName())) {
                    throw new Args.UsageException(SPEC, o.longName() + " shapes the port lock and"
                            + " has no meaning with --zookeeper");
                }
            }
        }
        Integer e = a.intValue("--conflict-exit-code");
        conflictExitCode = e == null ? Main.HELD : e;
        if (help || version) {
            key = null;
            command = List.of();
            return;
        }
        key = a.required(0, "KEY");
        List<String> rest = a.rest;
        if (rest.isEmpty()) {
            throw new Args.UsageException(SPEC, "Missing required parameter: 'COMMAND'");
        }
        if (rest.get(0).equals("--")) {
            rest = rest.subList(1, rest.size()); // "KEY -- COMMAND"
        }
        if (rest.isEmpty()) {
            throw new Args.UsageException(SPEC, "Missing COMMAND after KEY");
        }
        command = List.copyOf(rest);
        if (conflictExitCode < 0 || conflictExitCode > 255) {
            throw new Args.UsageException(SPEC,
                    "--conflict-exit-code must be 0-255, got " + conflictExitCode);
        }
    }

    /** Parses run's arguments (after {@code run}); {@code err} is where it reports. */
    static RunCommand parse(List<String> args, PrintWriter err) {
        return new RunCommand(Args.parse(SPEC, args), err);
    }

    // Guards child, exiting and finished against the races between the main thread (starting the
    // command, deciding how it ended) and the shutdown hook (a signal): a command started after
    // the hook ran would outlive the lock, and so would descendants of a command whose end the
    // main thread took for a normal exit while the hook was starting.
    private final ReentrantLock guard = new ReentrantLock();
    private Process child;
    /** The shutdown hook has begun: no command may start. */
    private boolean exiting;
    /** The command exited on its own, not by a signal: the hook leaves its leftovers alone. */
    private boolean finished;
    /** The exit code when the command could not be started (main thread only). */
    private int startFailure;

    /**
     * The processes seen under the command (the command itself, its descendants) by pid, dead ones
     * pruned. Written by the tracker thread, read by whoever ends the tree.
     */
    private final Map<Long, ProcessHandle> seen = new ConcurrentHashMap<>();
    /** Serialises ending the tree: the main thread and the shutdown hook may both do it. */
    private final ReentrantLock ending = new ReentrantLock();
    private final PrintWriter err;

    int call(PrintWriter out) throws InterruptedException {
        if (help || version) {
            return Commands.helpOrVersion(SPEC, help, out);
        }
        if (zookeeper != null) {
            return callZooKeeper();
        }
        LockPorts ports = Main.ports(SPEC, scheme, key);
        InteropNotice.onRun(Main.scheme(SPEC, scheme), ports, verbose, err);
        Duration timeout = nonblock ? Duration.ZERO
                : this.timeout != null ? this.timeout
                : Duration.ofNanos(Long.MAX_VALUE); // "forever": 292 years

        Portlock lock = Portlock.builder(key).scheme(Main.scheme(SPEC, scheme)).timeout(timeout)
                .build();
        long start = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "portlock-shutdown"));
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
            // Rounded down: the message never claims a longer wait than there was.
            double waited = Math.floor((System.nanoTime() - start) / 1e8) / 10;
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
            return runCommand(null);
        } finally {
            // The only release. After a signal it comes after endTree; if the JVM exits first,
            // it does so after the hook's endTree, and the kernel frees the ports.
            lock.release();
        }
    }

    /**
     * Runs the command while the lock is held and returns its exit code; {@code zk} is the
     * ZooKeeper lock, whose loss ends the command, or {@code null}.
     */
    private int runCommand(ZooKeeperRun zk) throws InterruptedException {
        Process p = start();
        if (p == null) {
            return startFailure;
        }
        if (zk != null) {
            zk.onLost(() -> lost(zk, p));
        }
        ScheduledExecutorService tracker = track(p);
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
            endTree(p);
        }
        if (lockLost) {
            return LOST;
        }
        if (verbose) {
            err.println("portlock: command exited with " + code + "; releasing '" + key + "'");
            err.flush();
        }
        return code;
    }

    /**
     * {@code run --zookeeper}: the lock from ZooKeeper. The only path that loads Curator and
     * ZooKeeper classes (through {@link ZooKeeperRun}).
     */
    private int callZooKeeper() throws InterruptedException {
        ZooKeeperRun lock = ZooKeeperRun.create(SPEC, zookeeper, zkRoot, key);
        zk = lock;
        Duration timeout = nonblock ? Duration.ZERO : this.timeout;
        long start = System.nanoTime();
        Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "portlock-shutdown"));
        try {
            if (verbose) {
                err.println("portlock: taking lock '" + key + "' (" + lock.describe() + ")");
                err.flush();
            }
            if (!lock.acquire(timeout)) {
                double waited = Math.floor((System.nanoTime() - start) / 1e8) / 10;
                err.println("portlock: lock '" + key + "' (" + lock.describe() + ") is "
                        + lock.holder() + (timeout != null && timeout.isZero() ? "; not waiting"
                                : String.format(Locale.ROOT, "; gave up after %.1f s", waited)));
                err.flush();
                return conflictExitCode;
            }
            if (verbose) {
                err.printf(Locale.ROOT, "portlock: locked '%s' (%s, fencing token %d) after %.1f"
                        + " ms%n", key, lock.describe(), lock.fencingToken(),
                        (System.nanoTime() - start) / 1e6);
                err.flush();
            }
            return runCommand(lock);
        } finally {
            // Releases, and closes the session: its nodes go at once, a waiting one included.
            lock.close();
        }
    }

    /** The ZooKeeper lock was lost while the command ran: ends it as a signal would. */
    private void lost(ZooKeeperRun lock, Process p) {
        lockLost = true;
        err.println("portlock: lost lock '" + key + "' (" + lock.describe() + "): the connection to"
                + " ZooKeeper was interrupted and another host may take the lock; ending COMMAND");
        err.flush();
        endTree(p);
    }

    /** Starts the command, unless the JVM is already shutting down; {@code null} if not started. */
    private Process start() {
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
     * Starts looking up the processes under the command every {@value #TRACK_MILLIS} ms, on a
     * daemon thread, until the returned executor is shut down.
     */
    private ScheduledExecutorService track(Process p) {
        seen.put(p.pid(), p.toHandle());
        // Linux's children lists cost what the command's tree is; the JDK's descendants() reads
        // every process on the host (1.5% of a core at 10 looks a second with 80 processes).
        boolean childrenLists = Files.isReadable(PROC.resolve(p.pid() + "/task/" + p.pid()
                + "/children"));
        ScheduledExecutorService tracker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portlock-tracker");
            t.setDaemon(true);
            return t;
        });
        tracker.scheduleWithFixedDelay(() -> {
            try {
                seen.values().removeIf(RunCommand::ended);
                if (childrenLists) {
                    lookUnder(p.pid());
                } else {
                    p.descendants().forEach(this::remember);
                }
            } catch (RuntimeException e) {
                // A process that vanished mid-scan: the next scan sees the tree as it is then.
            }
        }, 0, TRACK_MILLIS, TimeUnit.MILLISECONDS);
        return tracker;
    }

    /**
     * Remembers the processes under {@code root}, walking {@code /proc/<pid>/task/<tid>/children}
     * (a child belongs to the thread that forked it). A list read while it changes may miss a
     * process; the next look finds it.
     */
    private void lookUnder(long root) {
        Deque<long[]> todo = new ArrayDeque<>(); // {pid, its parent}
        todo.push(new long[] {root, -1});
        while (!todo.isEmpty()) {
            long[] next = todo.pop();
            long pid = next[0];
            if (next[1] >= 0 && !seen.containsKey(pid)) {
                // Guard against the pid being reused between the list and now: an unrelated
                // process must never be remembered, as it would be killed on a signal.
                Optional<ProcessHandle> h = ProcessHandle.of(pid);
                if (h.isEmpty() || h.get().parent().map(ProcessHandle::pid).orElse(-1L) != next[1]) {
                    continue;
                }
                remember(h.get());
            }
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(
                    PROC.resolve(pid + "/task"))) {
                for (Path task : tasks) {
                    String kids = new String(Files.readAllBytes(task.resolve("children")),
                            StandardCharsets.US_ASCII).trim();
                    if (!kids.isEmpty()) {
                        for (String kid : kids.split(" ")) {
                            todo.push(new long[] {Long.parseLong(kid), pid});
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // It exited (or a thread did) during the walk: the next look sees what is left.
            }
        }
    }

    private void remember(ProcessHandle h) {
        if (seen.putIfAbsent(h.pid(), h) == null && verbose) {
            err.println("portlock: watching pid " + h.pid() + " under the command"
                    + h.info().commandLine().map(c -> ": " + c).orElse(""));
            err.flush();
        }
    }

    /**
     * Decides, once the command has exited, whether it ended by a signal (to portlock, or to the
     * command: status 128+N); if not, the shutdown hook will leave the command's leftovers alone.
     */
    private boolean signalled(int code) {
        guard.lock();
        try {
            boolean signalled = exiting || code > SIGNALLED || shutdownBegun();
            finished = !signalled;
            return signalled;
        } finally {
            guard.unlock();
        }
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
            Process p;
            guard.lock();
            try {
                exiting = true;
                p = child;
                if (p == null || finished) {
                    return;
                }
            } finally {
                guard.unlock();
            }
            endTree(p);
        } finally {
            // A ZooKeeper lock, held or waited for, is not freed by the JVM's exit: its session
            // would keep it until it expires. Closing the session deletes its node at once.
            ZooKeeperRun lock = zk;
            if (lock != null) {
                lock.close();
            }
        }
    }

    /**
     * Ends the command and every live process seen under it, whether or not the command is still
     * alive: SIGTERM, then SIGKILL to those still running after the grace period. Returns when
     * they are gone (or after two grace periods). Runs in the main thread, in the shutdown hook,
     * or in both, one after the other.
     */
    private void endTree(Process p) {
        ending.lock();
        try {
            List<ProcessHandle> tree = liveTree(p);
            tree.forEach(ProcessHandle::destroy);
            awaitEnded(tree, TimeUnit.SECONDS.toNanos(GRACE_SECONDS));
            // Those that ignored SIGTERM, and any they started meanwhile.
            for (int round = 0; round < 3; round++) {
                List<ProcessHandle> left = liveTree(p);
                if (left.isEmpty()) {
                    break;
                }
                left.forEach(ProcessHandle::destroyForcibly);
                awaitEnded(left, TimeUnit.SECONDS.toNanos(GRACE_SECONDS));
            }
        } catch (InterruptedException e) {
            liveTree(p).forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        } finally {
            ending.unlock();
        }
    }

    /**
     * The live processes of the command's tree: the command, everything remembered, and the
     * current descendants of each (those started since the last look, and the children of
     * processes that were re-parented away from the command).
     */
    private List<ProcessHandle> liveTree(Process p) {
        List<ProcessHandle> roots = new ArrayList<>();
        roots.add(p.toHandle()); // first: its descendants come in one scan
        roots.addAll(seen.values());
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        for (ProcessHandle h : roots) {
            if (!tree.contains(h) && !ended(h)) {
                tree.add(h);
                h.descendants().forEach(tree::add);
            }
        }
        List<ProcessHandle> live = new ArrayList<>();
        for (ProcessHandle h : tree) {
            if (!ended(h)) {
                seen.putIfAbsent(h.pid(), h);
                live.add(h);
            }
        }
        return live;
    }

    /** Waits until every handle has ended, or the time is up; polls, as ended() must be asked. */
    private static void awaitEnded(List<ProcessHandle> handles, long nanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (handles.stream().anyMatch(h -> !ended(h)) && deadline - System.nanoTime() > 0) {
            Thread.sleep(10);
        }
    }

    /**
     * Tells whether a process has ended: exited, or a zombie. The JDK counts a zombie as alive,
     * and one re-parented to a pid 1 that does not reap (as in many containers) stays a zombie.
     */
    static boolean ended(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = new String(Files.readAllBytes(PROC.resolve(h.pid() + "/stat")),
                    StandardCharsets.US_ASCII);
            int close = stat.lastIndexOf(')'); // after "pid (comm" comes " STATE"
            return close >= 0 && close + 2 < stat.length()
                    && (stat.charAt(close + 2) == 'Z' || stat.charAt(close + 2) == 'X');
        } catch (IOException | RuntimeException e) {
            return !h.isAlive(); // no /proc (not Linux), or it exited meanwhile
        }
    }
}
