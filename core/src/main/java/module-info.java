/**
 * k3portlock core: a cross-process lock held by binding a quorum of loopback TCP ports.
 *
 * <p>Exports {@code io.github.k3portlock} (the lock) and {@code io.github.k3portlock.status} (who
 * holds a lock, for diagnostics). The {@code internal} package (the quorum, the binder seam, the
 * argument checks and leak detection) is exported to the async module alone.
 */
module io.github.k3portlock {
    requires jdk.jfr; // flight-recorder events (part of the JDK)

    exports io.github.k3portlock;
    exports io.github.k3portlock.status;
    exports io.github.k3portlock.internal to io.github.k3portlock.async, io.github.k3portlock.zookeeper;
}
