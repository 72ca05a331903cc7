package io.github.k3portlock.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * This process's established TCP connections as the kernel lists them (Linux
 * {@code /proc/net/tcp} and {@code tcp6}): which of our sockets is connected to which port, and from which
 * local port. Used to see a waiter's connection to a holder without reaching into the library.
 */
public final class Tcp {
    private Tcp() {
    }

    /**
     * Returns the local ports of this process's established connections (IPv4, and dual-stack
     * IPv6 sockets connected to IPv4 addresses) to any of
     * {@code remotePorts}.
     *
     * @param remotePorts the remote ports of interest
     * @return the local ports, one per connection
     */
    public static List<Integer> connectionsTo(Collection<Integer> remotePorts) {
        Set<String> inodes = socketInodes();
        List<Integer> local = new ArrayList<>();
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
            Path v6 = Path.of("/proc/net/tcp6"); // dual-stack sockets
            if (Files.exists(v6)) {
                lines.addAll(Files.readAllLines(v6));
            }
            Set<String> seen = new HashSet<>();
            for (String line : lines) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[3].equals("01") || !inodes.contains(f[9])
                        || !seen.add(f[9])) {
                    continue; // header, not ESTABLISHED, not ours, or listed twice (the kernel
                              // may repeat a line when the table changes while it is read)
                }
                int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                if (remotePorts.contains(remote)) {
                    local.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/net/tcp", e);
        }
        return local;
    }

    /** TCP states as {@code /proc/net/tcp} writes them (hex). */
    public enum State {
        /** {@code FIN_WAIT1}: we closed with a FIN, not yet acknowledged. */
        FIN_WAIT1("04"),
        /** {@code FIN_WAIT2}: we closed with a FIN; the peer has not closed (up to 60 s). */
        FIN_WAIT2("05"),
        /** {@code TIME_WAIT}: closed in order on this side first. */
        TIME_WAIT("06"),
        /** {@code CLOSE_WAIT}: the peer closed with a FIN; this side has not closed. */
        CLOSE_WAIT("08");

        private final String hex;

        State(String hex) {
            this.hex = hex;
        }
    }

    /**
     * Counts the sockets of this network namespace (every process's, IPv4 and IPv6) in
     * {@code state} whose local port ({@code local}) or remote port is one of {@code ports}.
     *
     * @param state the state
     * @param local {@code true} to match the local port, {@code false} the remote port
     * @param ports the ports of interest (a test's own lock ports)
     * @return the number of such sockets
     */
    public static int count(State state, boolean local, Collection<Integer> ports) {
        int n = 0;
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path path = Path.of(file);
            if (!Files.exists(path)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(path)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length < 4 || !f[3].equals(state.hex)) {
                        continue; // the header, or another state
                    }
                    String address = local ? f[1] : f[2];
                    int port = Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
                    if (ports.contains(port)) {
                        n++;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return n;
    }

    /**
     * Leaves a {@code TIME_WAIT} entry on {@code 127.0.0.1:port}: a client bound to that port
     * connects to a listener and closes first, so its side waits out {@code TIME_WAIT}.
     *
     * @param port the port to leave in {@code TIME_WAIT}
     * @return {@code false} if the port was taken
     * @throws IOException if the connection cannot be made
     */
    public static boolean leaveTimeWait(int port) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            Socket client = new Socket();
            try {
                client.bind(new InetSocketAddress(loopback, port));
            } catch (BindException e) {
                client.close();
                return false;
            }
            client.connect(server.getLocalSocketAddress());
            try (Socket accepted = server.accept()) {
                client.close(); // the first to close gets TIME_WAIT
                if (accepted.getInputStream().read() != -1) {
                    throw new IOException("expected the client's FIN, got data");
                }
            }
        }
        return true;
    }

    /**
     * Tells whether {@code /proc/net/tcp} or {@code tcp6} (a JDK socket is dual-stack) lists a
     * {@code TIME_WAIT} entry with local port {@code port}.
     *
     * @param port the local port
     * @return {@code true} if listed
     */
    public static boolean listedInTimeWait(int port) {
        return count(State.TIME_WAIT, true, List.of(port)) > 0;
    }

    private static Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String link = Files.readSymbolicLink(fd).toString();
                    if (link.startsWith("socket:[")) {
                        inodes.add(link.substring(8, link.length() - 1).toLowerCase(Locale.ROOT));
                    }
                } catch (IOException e) {
                    // closed while listing
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
        return inodes;
    }
}
