package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;

/** {@code portlock ports KEY}: the key's ports, one a line. */
final class PortsCommand {
    static final Args.Spec SPEC = new Args.Spec("ports", "[-ahV] [--wide-loopback]"
            + " [--allow-non-loopback] [--host=IP] [--port-count=N] [--range-size=N]"
            + " [--range-start=PORT] KEY",
            List.of("Prints the ports KEY maps to, one a line.",
                "For firewall rules, and for keeping the ports out of the ephemeral range:",
                "  sysctl -w net.ipv4.ip_local_reserved_ports=$(portlock ports KEY | paste -sd,)"),
            options(), 1, false, List.of("", "Exit codes: 0 printed; 2 bad arguments."));

    private final SchemeOptions scheme;
    private final boolean address;
    private final String key;
    private final boolean help;
    private final boolean version;

    private PortsCommand(Args a) {
        scheme = new SchemeOptions(a);
        address = a.has("--address");
        help = a.has("--help");
        version = a.has("--version");
        key = help || version ? null : a.required(0, "KEY");
    }

    private static List<Args.Opt> options() {
        List<Args.Opt> o = new ArrayList<>(List.of(Args.Opt.flag("Print ADDRESS:PORT (IPv6 as"
                + " [ADDRESS]:PORT) instead of the bare port.", "-a", "--address")));
        o.addAll(SchemeOptions.OPTIONS);
        o.add(Args.HELP);
        o.add(Args.VERSION);
        return List.copyOf(o);
    }

    static PortsCommand parse(List<String> args) {
        return new PortsCommand(Args.parse(SPEC, args));
    }

    int call(PrintWriter out) {
        if (help || version) {
            return Commands.helpOrVersion(SPEC, help, out);
        }
        LockPorts ports = Main.ports(SPEC, scheme, key);
        String host = ports.address() instanceof Inet6Address ? "[" + ports.addressText() + "]"
                : ports.addressText();
        for (int port : ports.numbers()) {
            out.println(address ? host + ":" + port : Integer.toString(port));
        }
        out.flush();
        return 0;
    }
}
