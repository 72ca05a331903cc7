package io.github.k3portlock.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code portlock run}'s grammar, help and parsed options; every combination is checked here, so
 * that {@link RunCommand} gets only runnable settings. Immutable.
 */
final class RunOptions {
    /** --zk-root's default. */
    static final String ZK_DEFAULT_ROOT = "/k3portlock";
    /** The ZooKeeper session timeout: how long the lock of a dead holder outlives it. */
    static final int ZK_SESSION_SECONDS = 30;
    /** The longest wait for a first connection to the ensemble. */
    static final int ZK_CONNECTION_SECONDS = 15;
    /** The same with --nonblock, which gives up at once: a dead ensemble must not hold it up. */
    static final int ZK_NONBLOCK_CONNECTION_SECONDS = 2;

    static final Args.Spec SPEC = new Args.Spec("run", "[-hnqvV] [--wide-loopback]"
            + " [--allow-non-loopback] [-E=N] [--host=IP] [--port-count=N] [--range-size=N]"
            + " [--range-start=PORT] [-w=DURATION] [--zookeeper=CONNECT [--zk-root=PATH]] KEY"
            + " COMMAND...",
            List.of("Runs COMMAND while holding the lock KEY, and exits with COMMAND's exit code."
                    + " COMMAND shares portlock's stdin, stdout and stderr. Without --timeout or"
                    + " --nonblock, waits as long as it takes.",
                "SIGINT, SIGTERM or SIGHUP to portlock end COMMAND and its descendants (SIGTERM,"
                    + " SIGKILL after " + CommandTree.GRACE_SECONDS + " s) before the lock is"
                    + " released. If COMMAND itself is killed by a signal, the descendants it"
                    + " leaves are ended the same way before the release. Processes that leave"
                    + " COMMAND's tree before portlock's next look (every "
                    + CommandTree.TRACK_MILLIS + " ms), such as daemons that detach at once, are"
                    + " missed. SIGKILL to portlock cannot be caught: COMMAND then runs on"
                    + " unlocked.",
                "With --zookeeper, the lock is a ZooKeeper lock (the children of ZK-ROOT/KEY,"
                    + " as Curator's InterProcessMutex lays them out) that serialises COMMAND"
                    + " across every host using the same ensemble and root; --timeout, --nonblock"
                    + " and -E keep their meaning. A first connection is awaited for at most "
                    + ZK_CONNECTION_SECONDS + " s (" + ZK_NONBLOCK_CONNECTION_SECONDS
                    + " s with --nonblock, or the --timeout if shorter). The lock is lost when the"
                    + " connection to the ensemble is interrupted (SUSPENDED: another host may take"
                    + " it once the " + ZK_SESSION_SECONDS + " s session expires): COMMAND and its"
                    + " descendants are then ended as on a signal, and portlock exits "
                    + Main.LOST + ". A portlock killed with SIGKILL, or a host that dies, keeps"
                    + " the lock until its session expires.",
                "Options go before KEY; everything after KEY (and an optional --) is COMMAND."),
            options(), 1, true,
            List.of("", "DURATION: " + Durations.FORMS + ".", "",
                "Exit codes: COMMAND's own (128+N if a signal N killed it); 1, or -E's value, when"
                    + " the lock is held and --nonblock or --timeout gives up; 2 bad arguments; 125"
                    + " portlock cannot start, or the lock could not be taken for a reason other"
                    + " than contention (e.g. address not local, ZooKeeper unreachable); "
                    + Main.LOST + " the ZooKeeper lock was lost while COMMAND ran (COMMAND was"
                    + " ended); 126 COMMAND cannot be started; 127 COMMAND not found."));

    final SchemeOptions scheme;
    /** The wait: {@code null} for as long as it takes; zero for --nonblock or --timeout 0. */
    final Duration timeout;
    final int conflictExitCode;
    final boolean verbose;
    /** Print nothing when giving up on a held lock (the conflict line). */
    final boolean quiet;
    final boolean help;
    final boolean version;
    /** The key; {@code null} with --help or --version. */
    final String key;
    final List<String> command;
    /** The ZooKeeper connect string, {@code null} for the port lock. */
    final String zookeeper;
    final String zkRoot;

    private static List<Args.Opt> options() {
        List<Args.Opt> o = new ArrayList<>(List.of(
                Args.Opt.value("DURATION", "Give up after DURATION if the lock is still held (see"
                        + " DURATION below).", "-w", "--timeout"),
                Args.Opt.flag("Give up at once if the lock is held.", "-n", "--nonblock"),
                Args.Opt.value("N", "Exit code when the lock is held and portlock gives up, 0-255"
                        + " (default 1).", "-E", "--conflict-exit-code"),
                Args.Opt.flag("Print nothing when giving up on a held lock (errors are still"
                        + " printed); with -E 0, a skipped run is silent, as cron wants.",
                        "-q", "--quiet"),
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

    private RunOptions(Args a) {
        scheme = new SchemeOptions(a);
        help = a.has("--help");
        version = a.has("--version");
        verbose = a.has("--verbose");
        quiet = a.has("--quiet");
        exclusive(a, "--timeout=DURATION", "--nonblock");
        exclusive(a, "--quiet", "--verbose");
        try {
            timeout = a.has("--nonblock") ? Duration.ZERO
                    : a.has("--timeout") ? Durations.parse(a.value("--timeout")) : null;
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
        if (!rest.isEmpty() && rest.get(0).equals("--")) {
            rest = rest.subList(1, rest.size()); // "KEY -- COMMAND"
        }
        if (rest.isEmpty()) {
            throw new Args.UsageException(SPEC, "Missing required parameter: 'COMMAND'");
        }
        command = List.copyOf(rest);
        if (conflictExitCode < 0 || conflictExitCode > 255) {
            throw new Args.UsageException(SPEC,
                    "--conflict-exit-code must be 0-255, got " + conflictExitCode);
        }
    }

    private static void exclusive(Args a, String first, String second) {
        String firstName = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
        if (a.has(firstName) && a.has(second)) {
            throw new Args.UsageException(SPEC, first + ", " + second + " are mutually exclusive"
                    + " (specify only one)");
        }
    }

    /** Parses run's arguments (after {@code run}). */
    static RunOptions parse(List<String> args) {
        return new RunOptions(Args.parse(SPEC, args));
    }
}
