package io.github.k3portlock.status;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads Linux's {@code /proc/net/tcp}, {@code /proc/net/tcp6} and {@code /proc/<pid>/fd} to tell
 * which sockets occupy a port and which processes have them open. Stateless and thread-safe.
 */
final class ProcNet {
    static final int TIME_WAIT = 0x06;
    static final int LISTEN = 0x0A;

    private static final String[] STATES = {
        "", "connected", "connecting", "syn-recv", "fin-wait1", "fin-wait2", "time-wait",
        "bound", "close-wait", "last-ack", "listening", "closing", "new-syn-recv",
    };

    private ProcNet() {
    }

    /** One line of {@code /proc/net/tcp} or {@code tcp6}; the address in network order. */
    record Socket(byte[] address, int port, int state, int uid, long inode) {
        String stateName() {
            return state > 0 && state < STATES.length ? STATES[state]
                    : "state 0x" + Integer.toHexString(state);
        }
    }

    /**
     * Parses a {@code /proc/net/tcp}-format file, keeping the lines whose local port is in
     * {@code ports}.
     *
     * @throws IOException if the file cannot be read
     */
    static List<Socket> read(Path file, Set<Integer> ports) throws IOException {
        List<Socket> out = new ArrayList<>();
        // A busy host lists tens of thousands of sockets: skip, without splitting, every line
        // that does not mention one of the ports (":AE6F " is port 44655, local or remote).
        List<String> needles = new ArrayList<>();
        for (int port : ports) {
            needles.add(String.format(Locale.ROOT, ":%04X ", port));
        }
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line = r.readLine(); // header
            while ((line = r.readLine()) != null) {
                if (!mentions(line, needles)) {
                    continue;
                }
                Socket s = parse(line, ports);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private static boolean mentions(String line, List<String> needles) {
        for (String n : needles) {
            if (line.contains(n)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses one line ({@code sl local rem st tx:rx tr:when retr uid timeout inode ...}), or
     * returns {@code null} for a line about another port or one that does not parse.
     */
    static Socket parse(String line, Set<Integer> ports) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10) {
            return null;
        }
        int colon = f[1].indexOf(':');
        if (colon < 0) {
            return null;
        }
        try {
            int port = Integer.parseInt(f[1].substring(colon + 1), 16);
            if (!ports.contains(port)) {
                return null;
            }
            byte[] address = address(f[1].substring(0, colon));
            if (address == null) {
                return null;
            }
            return new Socket(address, port, Integer.parseInt(f[3], 16), Integer.parseInt(f[7]),
                    Long.parseLong(f[9]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Decodes the kernel's hex address: 32-bit words, each printed as a host-order integer, so
     * each word's bytes are reversed on a little-endian machine.
     */
    static byte[] address(String hex) {
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            long word = Long.parseLong(hex.substring(w * 8, w * 8 + 8), 16);
            for (int i = 0; i < 4; i++) {
                int shift = little ? 8 * i : 8 * (3 - i);
                b[w * 4 + i] = (byte) (word >>> shift);
            }
        }
        return b;
    }

    /**
     * Tells whether a socket bound on {@code socket} keeps a lock socket from binding
     * {@code lock} (same port assumed): the same address, a wildcard of a family that covers it
     * ({@code 0.0.0.0}, or {@code ::}, which covers an IPv4 address only when dual-stack, see
     * {@link #mayNotOccupy(byte[], InetAddress)}), or the IPv4-mapped form of an IPv4 lock
     * address.
     */
    static boolean occupies(byte[] socket, InetAddress lock) {
        byte[] want = lock.getAddress();
        boolean lockAny = lock.isAnyLocalAddress();
        if (socket.length == want.length) {
            return lockAny || isZero(socket) || Arrays.equals(socket, want);
        }
        if (socket.length == 16) { // an IPv6 socket against an IPv4 lock address
            if (isZero(socket)) {
                return true;
            }
            for (int i = 0; i < 10; i++) {
                if (socket[i] != 0) {
                    return false;
                }
            }
            return (socket[10] & 0xff) == 0xff && (socket[11] & 0xff) == 0xff
                    && (lockAny || Arrays.equals(Arrays.copyOfRange(socket, 12, 16), want));
        }
        return lockAny; // an IPv4 socket against a dual-stack IPv6 wildcard lock address
    }

    /**
     * Tells whether a socket that {@link #occupies(byte[], InetAddress)} the lock's port might
     * still let the lock bind it: one on the IPv6 wildcard {@code ::} against an IPv4 lock
     * address, which only a probe can decide ({@link LockStatus} explains).
     */
    static boolean mayNotOccupy(byte[] socket, InetAddress lock) {
        return socket.length == 16 && lock.getAddress().length == 4 && isZero(socket);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Finds the processes that have any of {@code inodes} open, by reading every
     * {@code /proc/<pid>/fd/*} link ({@code socket:[inode]}). Processes whose fd directory is not
     * readable (other users'), or that exit during the scan, are skipped.
     *
     * @return inode to the pids that have it open, ascending
     */
    static Map<Long, Set<Long>> owners(Path proc, Set<Long> inodes) {
        Map<Long, Set<Long>> out = new HashMap<>();
        if (inodes.isEmpty()) {
            return out;
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc,
                p -> isPid(p.getFileName().toString()))) {
            for (Path pidDir : pids) {
                scanFds(pidDir, inodes, out);
            }
        } catch (IOException | RuntimeException e) {
            // An unreadable /proc leaves the owners unknown; the ports' states stand.
        }
        return out;
    }

    private static void scanFds(Path pidDir, Set<Long> inodes, Map<Long, Set<Long>> out) {
        long pid = Long.parseLong(pidDir.getFileName().toString());
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(pidDir.resolve("fd"))) {
            for (Path fd : fds) {
                String target;
                try {
                    target = Files.readSymbolicLink(fd).toString();
                } catch (IOException | UnsupportedOperationException e) {
                    continue; // fd closed since the listing, or not a link
                }
                if (target.startsWith("socket:[") && target.endsWith("]")) {
                    try {
                        long inode = Long.parseLong(target.substring(8, target.length() - 1));
                        if (inodes.contains(inode)) {
                            out.computeIfAbsent(inode, k -> new TreeSet<>()).add(pid);
                        }
                    } catch (NumberFormatException ignored) {
                        // not a socket link after all
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Another user's process (EACCES), or one that exited during the scan: owner unknown.
        }
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads {@code /proc/<pid>/cmdline} (arguments separated by NUL), falling back to
     * {@code [comm]} for a process without one.
     *
     * @return the command line, or {@code null} if unreadable
     */
    static String commandLine(Path proc, long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            if (end > 0) {
                for (int i = 0; i < end; i++) {
                    if (raw[i] == 0) {
                        raw[i] = ' ';
                    }
                }
                return new String(raw, 0, end, StandardCharsets.UTF_8);
            }
            String comm = new String(Files.readAllBytes(dir.resolve("comm")),
                    StandardCharsets.UTF_8).trim();
            return comm.isEmpty() ? null : "[" + comm + "]";
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
