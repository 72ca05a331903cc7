package io.github.k3portlock.cli;

import io.github.k3portlock.PortScheme;
import picocli.CommandLine.Option;

/**
 * The options that shape how a key maps to ports, the same as {@link PortScheme.Builder}'s. Every
 * process using a key must pass the same ones.
 */
final class SchemeOptions {
    @Option(names = "--host", paramLabel = "IP",
            description = "Loopback IP literal to bind on (default 127.0.0.1; e.g. ::1).")
    String host;

    @Option(names = "--range-start", paramLabel = "PORT",
            description = "First base port keys are hashed to (default 40000).")
    Integer rangeStart;

    @Option(names = "--range-size", paramLabel = "N",
            description = "How many base ports keys are spread over (default 20000).")
    Integer rangeSize;

    @Option(names = "--port-count", paramLabel = "N",
            description = "Ports per key, odd, 1-15; the lock needs N/2+1 of them (default 3).")
    Integer portCount;

    @Option(names = "--wide-loopback",
            description = "Also hash the key to an address in 127.0.0.0/8 (Linux; fewer collisions,"
                    + " not compatible with the Python original).")
    boolean wideLoopback;

    /**
     * Builds the scheme.
     *
     * @return the scheme these options describe
     * @throws IllegalArgumentException or IllegalStateException for a bad combination
     */
    PortScheme build() {
        PortScheme.Builder b = PortScheme.builder();
        if (host != null) {
            b.host(host);
        }
        if (rangeStart != null || rangeSize != null) {
            b.range(rangeStart != null ? rangeStart : PortScheme.DEFAULT.rangeStart(),
                    rangeSize != null ? rangeSize : PortScheme.DEFAULT.rangeSize());
        }
        if (portCount != null) {
            b.portCount(portCount);
        }
        return b.wideLoopback(wideLoopback).build();
    }
}
