package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.status.LockStatus;
import io.github.k3portlock.status.NameStatus;
import io.github.k3portlock.status.PortHolder;
import io.github.k3portlock.status.PortStatus;
import io.github.k3portlock.status.State;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code portlock status KEY}: who holds the lock. */
final class StatusCommand {
    static final Args.Spec SPEC = new Args.Spec("status", "[-hV] [--wide-loopback] [--host=IP]"
            + " [--port-count=N] [--range-size=N] [--range-start=PORT] KEY",
            List.of("Prints KEY's ports, each port's state and holder (pid and command line), and"
                    + " whether the lock is held. Ports that /proc shows no socket on are probed:"
                    + " bound one at a time for microseconds, which can make a concurrent attempt"
                    + " to take the lock miss when another of its ports is already taken.",
                "Owners are found on Linux through /proc; other users' processes, sockets bound"
                    + " without listening, and platforms without /proc show as unknown owners."),
            options(), 1, false,
            List.of("", "Exit codes: 0 free; 1 held (a quorum of ports is taken, or, on Linux and"
                    + " with the original's port scheme, the Python original's name for KEY);"
                    + " 2 bad arguments; 3 cannot tell; 125 portlock cannot start."));

    private final SchemeOptions scheme;
    private final String key;
    private final boolean help;
    private final boolean version;

    private StatusCommand(Args a) {
        scheme = new SchemeOptions(a);
        help = a.has("--help");
        version = a.has("--version");
        key = help || version ? null : a.required(0, "KEY");
    }

    private static List<Args.Opt> options() {
        List<Args.Opt> o = new ArrayList<>(SchemeOptions.OPTIONS);
        o.add(Args.HELP);
        o.add(Args.VERSION);
        return List.copyOf(o);
    }

    static StatusCommand parse(List<String> args) {
        return new StatusCommand(Args.parse(SPEC, args));
    }

    int call(PrintWriter out) {
        if (help || version) {
            return Commands.helpOrVersion(SPEC, help, out);
        }
        LockPorts ports = Main.ports(SPEC, scheme, key);
        boolean originals = isOriginals(Main.scheme(SPEC, scheme));
        LockStatus s = LockStatus.inspect(ports);
        NameStatus name = linuxName();
        // The original's users of this scheme hold the key by its name alone: held, whatever
        // the ports say.
        boolean byName = originals && name != null && name.held();
        State state = byName ? State.HELD : s.state();
        out.printf(Locale.ROOT, "lock '%s' is %s: %d of %d ports held, quorum %d, on %s%s%n", key,
                state.name().toLowerCase(Locale.ROOT), s.heldCount(), ports.numbers().size(),
                ports.quorum(), ports.addressText(),
                byName ? "; its Linux name is held (the Python original's lock)" : "");
        for (PortStatus p : s.portStatuses()) {
            out.println(String.format(Locale.ROOT, "  %5d  %-7s  %-9s  %s", p.port(),
                    p.state().name().toLowerCase(Locale.ROOT), p.socketState().orElse(""), owner(p)).stripTrailing());
        }
        for (PortHolder h : Report.byPortsHeld(s)) {
            out.printf(Locale.ROOT, "  pid %d: %s%n", h.pid(), h.commandLine().orElse("(command line not readable)"));
        }
        if (s.portStatuses().stream().anyMatch(p -> p.holders().isEmpty()
                && "bound".equals(p.socketState().orElse("")))) {
            // Not "as the Python k3portlock does": on Linux, where this line is printed, the
            // Python library binds an abstract Unix socket; it binds TCP ports only off Linux.
            out.println("  (bound: a plain bind without listen; Linux does not list such a socket in"
                    + " /proc, so its owner is unknown)");
        }
        if (s.portStatuses().stream().anyMatch(PortStatus::isTimeWait)) {
            out.println("  (time-wait: a closed connection, e.g. an outgoing one that took the port"
                    + " from the ephemeral range; no process holds it, and the kernel frees it"
                    + " within its TIME_WAIT period, about 60 s on Linux)");
        }
        if (name != null) {
            printLinuxName(name, originals, out);
        }
        out.flush();
        switch (state) {
            case FREE:
                return 0;
            case HELD:
                return Main.HELD;
            default:
                return Main.UNKNOWN;
        }
    }

    /** On Linux, who holds the Python original's name for the key; {@code null} elsewhere. */
    private NameStatus linuxName() {
        return Files.isReadable(Path.of("/proc/net/unix")) ? NameStatus.inspect(key) : null;
    }

    /**
     * Whether keys map to the Python original's ports under {@code s}: then the original's users
     * share the lock, and its name (the abstract Unix socket it binds instead of ports on Linux)
     * holds the key.
     */
    static boolean isOriginals(PortScheme s) {
        PortScheme d = PortScheme.DEFAULT;
        return s.host().equals(d.host()) && s.rangeStart() == d.rangeStart()
                && s.rangeSize() == d.rangeSize() && s.portCount() == d.portCount()
                && s.wideLoopback() == d.wideLoopback();
    }

    /**
     * Who holds the Python original's name for the key (Java 22+ processes with native access
     * hold it too, beside the ports). It decides the exit code only with the original's scheme.
     */
    private static void printLinuxName(NameStatus n, boolean originals, PrintWriter out) {
        if (!n.held()) {
            out.printf(Locale.ROOT, "  name %s  free%n", n.name());
            return;
        }
        String by = n.holders().isEmpty() ? "owner unknown"
                : n.holders().stream().map(h -> "pid " + h.pid() + " ("
                        + h.commandLine().orElse("command line not readable") + ")")
                        .collect(Collectors.joining(", "));
        out.printf(Locale.ROOT, "  name %s  held  %s%n", n.name(), by);
        out.println("  (the Python original's Linux name for this key: the original holds only the"
                + " name, a Java 22+ process with native access holds it beside the ports"
                + (originals ? ")" : "; another port scheme than the original's: not this lock)"));
    }

    private static String owner(PortStatus p) {
        if (p.state() != State.HELD) {
            return "";
        }
        if (!p.holders().isEmpty()) {
            return p.holders().stream().map(h -> "pid " + h.pid()).collect(Collectors.joining(", "));
        }
        if (p.isTimeWait()) {
            return "no process (closed connection)";
        }
        return "owner unknown" + (p.uid().isPresent() ? " (uid " + p.uid().getAsInt() + ")" : "");
    }
}
