package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import java.io.PrintWriter;
import java.net.Inet6Address;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code portlock ports KEY}: the key's ports, one a line. */
@Command(name = "ports", mixinStandardHelpOptions = true,
        description = {
            "Prints the ports KEY maps to, one a line.",
            "For firewall rules, and for keeping the ports out of the ephemeral range:",
            "  sysctl -w net.ipv4.ip_local_reserved_ports=$(portlock ports KEY | paste -sd,)"},
        footer = {"", "Exit codes: 0 printed; 2 bad arguments."})
final class PortsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SchemeOptions scheme;

    @Option(names = {"-a", "--address"},
            description = "Print ADDRESS:PORT (IPv6 as [ADDRESS]:PORT) instead of the bare port.")
    boolean address;

    @Parameters(index = "0", paramLabel = "KEY", description = "The lock key.")
    String key;

    @Override
    public Integer call() {
        LockPorts ports = Main.ports(spec, scheme, key);
        PrintWriter out = spec.commandLine().getOut();
        String host = Report.host(ports.address());
        if (ports.address() instanceof Inet6Address) {
            host = "[" + host + "]";
        }
        for (int port : ports.numbers()) {
            out.println(address ? host + ":" + port : Integer.toString(port));
        }
        out.flush();
        return 0;
    }
}
