package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.status.LockStatus;
import io.github.k3portlock.status.PortHolder;
import io.github.k3portlock.status.PortStatus;
import io.github.k3portlock.status.State;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code portlock status KEY}: who holds the lock. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {
            "Prints KEY's ports, each port's state and holder (pid and command line), and whether the"
                    + " lock is held. Ports that /proc shows no socket on are probed: bound one at a"
                    + " time for microseconds, which can make a concurrent attempt to take the lock"
                    + " miss when another of its ports is already taken.",
            "Owners are found on Linux through /proc; other users' processes, sockets bound without"
                    + " listening, and platforms without /proc show as unknown owners."},
        footer = {"", "Exit codes: 0 free; 1 held (a quorum of ports is taken); 2 bad arguments;"
                + " 3 cannot tell."})
final class StatusCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SchemeOptions scheme;

    @Parameters(index = "0", paramLabel = "KEY", description = "The lock key.")
    String key;

    @Override
    public Integer call() {
        LockPorts ports = Main.ports(spec, scheme, key);
        LockStatus s = LockStatus.inspect(ports);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "lock '%s' is %s: %d of %d ports held, quorum %d, on %s%n", key,
                s.state().name().toLowerCase(Locale.ROOT), s.heldCount(), ports.numbers().size(),
                ports.quorum(), Report.host(ports.address()));
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
        out.flush();
        switch (s.state()) {
            case FREE:
                return 0;
            case HELD:
                return Main.HELD;
            default:
                return Main.UNKNOWN;
        }
    }

    private static String owner(PortStatus p) {
        if (p.state() != State.HELD) {
            return "";
        }
        if (!p.holders().isEmpty()) {
            return p.holders().stream().map(h -> "pid " + h.pid()).collect(Collectors.joining(", "));
        }
        return "owner unknown" + (p.uid().isPresent() ? " (uid " + p.uid().getAsInt() + ")" : "");
    }
}
