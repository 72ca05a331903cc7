package io.github.k3portlock.cli;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import java.io.PrintWriter;

/**
 * What {@code run --verbose} says, once, when it cannot exclude the Python original on this
 * host: on Linux the original holds a key by its abstract Unix socket only, which portlock holds
 * too on Java 22+ with native access (the launcher prefers such a Java), never on Java 17.
 * Stateless; thread-safe.
 */
final class InteropNotice {
    private InteropNotice() {
    }

    /**
     * Prints the notice to {@code err} when {@code verbose}, on Linux, with the original's scheme,
     * and the lock on {@code ports} does not hold the original's name.
     *
     * @param scheme the scheme in use
     * @param ports the key's ports under {@code scheme}
     * @param verbose whether {@code --verbose} was given
     * @param err where portlock reports
     */
    static void onRun(PortScheme scheme, LockPorts ports, boolean verbose, PrintWriter err) {
        if (!verbose || ports.linuxName().isPresent() || !StatusCommand.isOriginals(scheme)
                || !System.getProperty("os.name", "").startsWith("Linux")) {
            return;
        }
        err.println("portlock: this portlock does not exclude the Python original, which holds"
                + " a key by its Linux name: " + why()
                + " (portlock prefers a Java 22+ when it finds one; PORTLOCK_JAVA_HOME chooses)");
        err.flush();
    }

    private static String why() {
        try {
            PortScheme.builder().interop(PortScheme.Interop.REQUIRE_LINUX_NAME).build();
            return "its name does not fit sun_path";
        } catch (IllegalStateException e) {
            String m = String.valueOf(e.getMessage());
            int i = m.indexOf("): ");
            return i < 0 ? m : m.substring(i + 3);
        }
    }
}
