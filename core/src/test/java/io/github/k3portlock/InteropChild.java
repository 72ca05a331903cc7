package io.github.k3portlock;

import io.github.k3portlock.testkit.Fds;

/**
 * A child JVM for the interop mode switch: prints what
 * {@link PortScheme.Interop#REQUIRE_LINUX_NAME} says at construction ({@code REQUIRE ok} or
 * {@code REQUIRE <message>}), then takes KEY with the
 * default scheme and prints {@code AUTO name=<present> sockets=<sockets held>}.
 */
public final class InteropChild {
    private InteropChild() {
    }

    public static void main(String[] args) {
        try {
            PortScheme.builder().interop(PortScheme.Interop.REQUIRE_LINUX_NAME).build();
            System.out.println("REQUIRE ok");
        } catch (IllegalStateException e) {
            System.out.println("REQUIRE " + e.getMessage());
        }
        long before = Fds.sockets();
        try (Portlock lock = new Portlock(args[0])) {
            boolean got = lock.tryLock();
            System.out.println("AUTO got=" + got + " name="
                    + PortScheme.DEFAULT.lockPorts(args[0]).linuxName().isPresent()
                    + " sockets=" + (Fds.sockets() - before));
        }
        System.out.flush();
    }
}
