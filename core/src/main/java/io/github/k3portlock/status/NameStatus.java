package io.github.k3portlock.status;

import io.github.k3portlock.internal.Checks;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who holds the Python original's Linux name of a key, the abstract Unix socket
 * {@code "\0/portlock/" + key}: read from {@code /proc/net/unix} (which lists it as
 * {@code @/portlock/KEY}) and, for each socket's inode, the processes that have it open. The
 * original holds only this name on Linux; a Java process with native access on Java 22+ holds it
 * beside the ports (see {@link io.github.k3portlock.PortScheme.Interop}).
 *
 * <p>A snapshot: immutable and thread-safe, possibly stale as soon as it is returned. Sockets of
 * other network namespaces are not listed; holders whose {@code /proc/<pid>/fd} is unreadable
 * (other users' processes, without privileges) are not named, but the name still reads as held.
 *
 * @param name the name as {@code /proc/net/unix} shows it, {@code @/portlock/KEY}
 * @param held whether any socket is bound to the name
 * @param holders the processes found holding it, by pid
 */
public record NameStatus(String name, boolean held, List<PortHolder> holders) {

    /**
     * Creates a status; the holders are copied.
     *
     * @param name the name
     * @param held whether it is bound
     * @param holders the holders found
     */
    public NameStatus {
        holders = List.copyOf(holders);
    }

    /**
     * Inspects {@code key}'s Linux name on this host (Linux only; elsewhere, or when
     * {@code /proc/net/unix} cannot be read, the name reads as not held).
     *
     * @param key the lock key
     * @return the name's status
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty
     */
    public static NameStatus inspect(String key) {
        return inspect(Paths.get("/proc"), key);
    }

    static NameStatus inspect(Path proc, String key) {
        Checks.key(key);
        String name = "@/portlock/" + key;
        Set<Long> inodes = new HashSet<>();
        try (BufferedReader in = Files.newBufferedReader(proc.resolve("net/unix"),
                StandardCharsets.UTF_8)) {
            in.readLine(); // the header
            for (String line; (line = in.readLine()) != null; ) {
                long inode = inodeOf(line, name);
                if (inode > 0) {
                    inodes.add(inode);
                }
            }
        } catch (IOException | RuntimeException e) {
            return new NameStatus(name, false, List.of());
        }
        Map<Long, Set<Long>> owners = ProcNet.owners(proc, inodes);
        Set<Long> pids = new TreeSet<>();
        owners.values().forEach(pids::addAll);
        List<PortHolder> holders = new ArrayList<>();
        for (long pid : pids) {
            holders.add(new PortHolder(pid,
                    Optional.ofNullable(ProcNet.commandLine(proc, pid))));
        }
        Collections.sort(holders);
        return new NameStatus(name, !inodes.isEmpty(), holders);
    }

    /**
     * The inode of a {@code /proc/net/unix} line ({@code Num RefCount Protocol Flags Type St
     * Inode Path}) whose path is exactly {@code name}, else 0. The path is all that follows the
     * separator after the inode (a key may contain spaces).
     */
    static long inodeOf(String line, String name) {
        int i = 0;
        int n = line.length();
        String inode = null;
        for (int field = 0; field < 7; field++) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
            if (start == i) {
                return 0;
            }
            if (field == 6) {
                inode = line.substring(start, i);
            }
        }
        if (i >= n || !line.substring(i + 1).equals(name)) {
            return 0;
        }
        try {
            return Long.parseLong(inode);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Returns e.g. {@code @/portlock/k: held by [pid 1234 (python3 app.py)]}. */
    @Override
    public String toString() {
        return name + (held ? ": held" + (holders.isEmpty() ? "" : " by " + holders) : ": free");
    }
}
