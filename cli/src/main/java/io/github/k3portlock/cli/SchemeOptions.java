package io.github.k3portlock.cli;

import io.github.k3portlock.PortScheme;
import java.util.List;

/**
 * The options that shape how a key maps to ports, the same as {@link PortScheme.Builder}'s. Every
 * process using a key must pass the same ones.
 */
final class SchemeOptions {
    static final List<Args.Opt> OPTIONS = List.of(
            Args.Opt.value("IP", "Loopback IP literal to bind on (default 127.0.0.1; e.g. ::1).",
                    "--host"),
            Args.Opt.flag("Allow a --host that is a local but not a loopback address (its ports are"
                    + " then reachable from the network).", "--allow-non-loopback"),
            Args.Opt.value("PORT", "First base port keys are hashed to (default 40000).",
                    "--range-start"),
            Args.Opt.value("N", "How many base ports keys are spread over (default 20000).",
                    "--range-size"),
            Args.Opt.value("N",
                    "Ports per key, odd, 1-15; the lock needs N/2+1 of them (default 3).",
                    "--port-count"),
            Args.Opt.flag("Also hash the key to an address in 127.0.0.0/8 (Linux; fewer collisions,"
                    + " not compatible with the Python original).", "--wide-loopback"));

    final String host;
    final Integer rangeStart;
    final Integer rangeSize;
    final Integer portCount;
    final boolean wideLoopback;
    final boolean allowNonLoopback;

    SchemeOptions(Args a) {
        host = a.value("--host");
        rangeStart = a.intValue("--range-start");
        rangeSize = a.intValue("--range-size");
        portCount = a.intValue("--port-count");
        wideLoopback = a.has("--wide-loopback");
        allowNonLoopback = a.has("--allow-non-loopback");
    }

    /**
     * Builds the scheme.
     *
     * @return the scheme these options describe
     * @throws IllegalArgumentException for a bad setting or combination
     */
    PortScheme build() {
        PortScheme.Builder b = PortScheme.builder();
        if (allowNonLoopback) {
            b.allowNonLoopback();
        }
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
        try {
            return b.wideLoopback(wideLoopback).build();
        } catch (IllegalArgumentException e) {
            // The library names its builder method; a CLI user needs the flag.
            String m = String.valueOf(e.getMessage());
            if (!m.contains("allowNonLoopback()")) {
                throw e;
            }
            throw new IllegalArgumentException(
                    m.replace("call allowNonLoopback()", "pass --allow-non-loopback"), e);
        }
    }
}
