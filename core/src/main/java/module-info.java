/**
 * k3portlock core: a cross-process lock held by binding a quorum of loopback TCP ports.
 *
 * <p>Exports only {@code io.github.k3portlock}. The {@code internal} package (the quorum and the
 * binder seam) is exported to the async module alone.
 */
module io.github.k3portlock {
    requires jdk.jfr; // flight-recorder events (part of the JDK)

    exports io.github.k3portlock;
    exports io.github.k3portlock.internal to io.github.k3portlock.async;
}
