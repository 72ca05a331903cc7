package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.PortlockException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code portlock}: run a command while holding a port lock (flock(1) without a lock file), ask
 * who holds a lock, list a key's ports.
 */
public final class Main {
    /** The lock is held by someone else (run: conflict or timeout, unless -E; status: held). */
    static final int HELD = 1;
    /** Bad arguments. */
    static final int USAGE = 2;
    /** status cannot tell whether the lock is held. */
    static final int UNKNOWN = 3;
    /**
     * portlock itself failed (a port that cannot be bound for a reason other than contention); the
     * launcher exits with it too when it cannot start the JVM.
     */
    static final int FAILED = 125;
    /** The command was found but could not be started. */
    static final int CANNOT_RUN = 126;
    /** The command was not found. */
    static final int NOT_FOUND = 127;
    /** run --zookeeper: the lock was lost while the command ran (the command was ended). */
    static final int LOST = 123;
    /** The commands, in the order help lists them. */
    private static final String COMMANDS = "run, status, ports";
    /** The process's arguments with their bytes; set by {@link #execute}. */
    private static volatile RawArgs argv = RawArgs.strings(List.of());

    static final Args.Spec SPEC = new Args.Spec(null, "[-hV] COMMAND",
            List.of("A cross-process lock held by binding 2 of 3 loopback TCP ports: no lock file,"
                    + " no"
                    + " shared filesystem, and the kernel frees it when its holder dies.",
                "Run 'portlock COMMAND --help' for a command's options."),
            List.of(Args.HELP, Args.VERSION), 0, false,
            List.of("Commands:",
                "  run     Runs a command while holding a lock.",
                "  status  Prints who holds a lock.",
                "  ports   Prints the ports a key maps to.",
                "", "Exit codes: 2 bad arguments; 125 portlock cannot start or failed; see each"
                        + " command's help for the others."));

    private Main() {
    }

    /**
     * Runs the CLI and exits with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        Charset cs = Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, cs), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, cs), false);
        System.exit(execute(out, err, RawArgs.ofProcess(args)));
    }

    /** Runs the CLI in-process and returns its exit code (the arguments' bytes are unknown). */
    static int execute(PrintWriter out, PrintWriter err, String... args) {
        return execute(out, err, RawArgs.strings(Arrays.asList(args)));
    }

    /** Runs the CLI and returns its exit code. */
    static int execute(PrintWriter out, PrintWriter err, RawArgs args) {
        argv = args;
        try {
            return dispatch(out, err, args.text);
        } catch (Args.UsageException e) {
            // The message, the synopsis and a pointer to --help: the full help would bury the
            // message.
            err.println("portlock: " + e.getMessage());
            Args.printSynopsis(e.spec, err);
            err.println("Try '" + e.spec.qualifiedName() + " --help' for more.");
            return USAGE;
        } catch (PortlockException e) {
            err.println("portlock: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("portlock: interrupted");
            return FAILED;
        } catch (RuntimeException e) {
            err.println("portlock: internal error: " + e);
            e.printStackTrace(err);
            return FAILED;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int dispatch(PrintWriter out, PrintWriter err, List<String> args)
            throws InterruptedException {
        if (args.isEmpty()) {
            throw new Args.UsageException(SPEC, "Missing a command: run, status or ports");
        }
        String first = args.get(0);
        List<String> tail = args.subList(1, args.size());
        switch (first) {
            case "run":
                return RunCommand.parse(tail, argv, err).call(out);
            case "status":
                return StatusCommand.parse(tail).call(out);
            case "ports":
                return PortsCommand.parse(tail).call(out);
            case "-h":
            case "--help":
                Args.printHelp(SPEC, out);
                return 0;
            case "-V":
            case "--version":
                out.println(version());
                return 0;
            default:
                if (first.startsWith("-")) {
                    throw misplaced(first, args);
                }
                throw new Args.UsageException(SPEC, "unknown command '" + first + "' (commands: "
                        + COMMANDS + ")");
        }
    }

    /**
     * The error for an option given before the command ({@code portlock --verbose run ...}): it
     * names the command the option belongs to and where to put it.
     */
    private static Args.UsageException misplaced(String option, List<String> args) {
        String name = option.startsWith("--") && option.contains("=")
                ? option.substring(0, option.indexOf('=')) : option;
        Map<String, Args.Spec> commands = Map.of("run", RunOptions.SPEC, "status",
                StatusCommand.SPEC, "ports", PortsCommand.SPEC);
        String given = args.stream().filter(commands::containsKey).findFirst().orElse(null);
        List<String> owners = new ArrayList<>();
        for (String c : List.of("run", "status", "ports")) {
            if (commands.get(c).option(name) != null) {
                owners.add(c);
            }
        }
        if (owners.isEmpty()) {
            return new Args.UsageException(SPEC, "Unknown option: '" + option + "'");
        }
        String where = given != null && owners.contains(given) ? given : owners.get(0);
        return new Args.UsageException(SPEC, "option '" + name + "' goes after the command, as in"
                + " 'portlock " + where + " " + name + " ...'"
                + (given != null && !owners.contains(given)
                        ? " ('" + given + "' has no such option)" : ""));
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return "portlock " + (v == null ? "(development build)" : v);
    }

    /**
     * Maps the key to its ports, reporting a bad key or scheme as bad arguments (exit 2).
     */
    static LockPorts ports(Args.Spec spec, SchemeOptions scheme, String key) {
        // Never hash what the JVM put in place of bytes it could not decode: keys would collide.
        String problem = argv.keyProblem(key);
        if (problem != null) {
            throw new Args.UsageException(spec, problem);
        }
        try {
            return scheme(spec, scheme).lockPorts(key);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new Args.UsageException(spec, e.getMessage());
        }
    }

    /** Builds the scheme, reporting a bad option as bad arguments (exit 2). */
    static PortScheme scheme(Args.Spec spec, SchemeOptions scheme) {
        try {
            return scheme.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new Args.UsageException(spec, e.getMessage());
        }
    }
}
