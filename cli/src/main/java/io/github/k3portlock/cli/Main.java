package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.PortlockException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code portlock}: run a command while holding a port lock (flock(1) without a lock file), ask
 * who holds a lock, list a key's ports.
 */
@Command(name = "portlock", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {RunCommand.class, StatusCommand.class, PortsCommand.class},
        description = {
            "A cross-process lock held by binding 2 of 3 loopback TCP ports: no lock file, no shared"
                    + " filesystem, and the kernel frees it when its holder dies.",
            "Run 'portlock COMMAND --help' for a command's options."},
        footer = {"", "Exit codes: 2 bad arguments; see each command's help for the others."})
public final class Main implements Callable<Integer> {
    /** The lock is held by someone else (run: conflict or timeout, unless -E; status: held). */
    static final int HELD = 1;
    /** Bad arguments (picocli's usage exit code). */
    static final int USAGE = CommandLine.ExitCode.USAGE;
    /** status cannot tell whether the lock is held. */
    static final int UNKNOWN = 3;
    /** portlock itself failed (a port that cannot be bound for a reason other than contention). */
    static final int FAILED = 125;
    /** The command was found but could not be started. */
    static final int CANNOT_RUN = 126;
    /** The command was not found. */
    static final int NOT_FOUND = 127;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: run, status or ports");
    }

    /**
     * Runs the CLI and exits with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code. */
    static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        // Everything after run's KEY is the command, options and all (flock(1) style).
        cl.getSubcommands().get("run").setStopAtPositional(true);
        cl.setParameterExceptionHandler((e, arguments) -> {
            // The message, the synopsis and a pointer to --help: the full help would bury the
            // message.
            CommandLine c = e.getCommandLine();
            PrintWriter err = c.getErr();
            err.println("portlock: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.print(c.getHelp().fullSynopsis());
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more.");
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof PortlockException) {
                err.println("portlock: " + e.getMessage());
            } else {
                err.println("portlock: internal error: " + e);
                e.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        });
        return cl.execute(args);
    }

    /**
     * Maps the key to its ports, reporting a bad key or scheme as bad arguments (exit 2).
     */
    static LockPorts ports(CommandSpec spec, SchemeOptions scheme, String key) {
        try {
            return scheme(spec, scheme).lockPorts(key);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Builds the scheme, reporting a bad option as bad arguments (exit 2). */
    static PortScheme scheme(CommandSpec spec, SchemeOptions scheme) {
        try {
            return scheme.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"portlock " + (v == null ? "(development build)" : v)};
        }
    }
}
