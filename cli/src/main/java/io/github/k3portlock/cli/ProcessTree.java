package io.github.k3portlock.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reads a process tree from Linux's {@code /proc}: the processes under a pid, found through
 * {@code /proc/<pid>/task/<tid>/children} (a child belongs to the thread that forked it), and
 * whether a process has ended. The root of {@code /proc} is a constructor argument, so that a
 * fake tree in a directory stands in for the kernel's in tests. Reads only; stateless and
 * thread-safe.
 *
 * <p>Everything here is a snapshot that may change while it is read: a process may exit, or its
 * pid be reused, between two reads. A list read while it changes may miss a process; the caller
 * looks again later.
 */
final class ProcessTree {
    /** The kernel's. */
    static final ProcessTree PROC = new ProcessTree(Paths.get("/proc"));

    private final Path root;

    ProcessTree(Path root) {
        this.root = root;
    }

    /**
     * Tells whether {@code pid}'s children lists can be read: on Linux they cost what the tree
     * costs, where the JDK's {@code ProcessHandle.descendants()} reads every process on the host.
     */
    boolean readable(long pid) {
        return Files.isReadable(root.resolve(pid + "/task/" + pid + "/children"));
    }

    /**
     * Returns the processes under {@code top} (not {@code top} itself), each mapped to its parent,
     * parents before their children. A child whose {@code stat} no longer names the parent it was
     * listed under is left out, with its subtree: its pid was reused between the two reads, and an
     * unrelated process must never be taken for part of the tree, as it would be killed on a
     * signal.
     */
    Map<Long, Long> descendants(long top) {
        Map<Long, Long> found = new LinkedHashMap<>();
        Deque<Long> todo = new ArrayDeque<>();
        todo.push(top);
        while (!todo.isEmpty()) {
            long pid = todo.pop();
            for (long kid : children(pid)) {
                if (kid != top && !found.containsKey(kid) && parent(kid).orElse(-1) == pid) {
                    found.put(kid, pid);
                    todo.push(kid);
                }
            }
        }
        return found;
    }

    /** The children of every thread of {@code pid}; none when it exited during the read. */
    private long[] children(long pid) {
        StringBuilder all = new StringBuilder();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(root.resolve(pid + "/task"))) {
            for (Path task : tasks) {
                all.append(' ').append(new String(Files.readAllBytes(task.resolve("children")),
                        StandardCharsets.US_ASCII));
            }
        } catch (IOException | RuntimeException e) {
            // It exited (or a thread did) during the walk: the next look sees what is left.
        }
        String text = all.toString().trim();
        if (text.isEmpty()) {
            return new long[0];
        }
        String[] words = text.split("\\s+");
        long[] pids = new long[words.length];
        int n = 0;
        for (String w : words) {
            try {
                pids[n++] = Long.parseLong(w);
            } catch (NumberFormatException e) {
                n--; // a torn read: the next look sees it whole
            }
        }
        return Arrays.copyOf(pids, n);
    }

    /** The parent named by {@code /proc/<pid>/stat}, or empty if it cannot be read. */
    OptionalLong parent(long pid) {
        String[] f = statFields(pid);
        if (f == null || f.length < 2) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(f[1]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Tells whether {@code pid} is a zombie (or dead): the JDK counts a zombie as alive, and one
     * re-parented to a pid 1 that does not reap (as in many containers) stays a zombie. A pid
     * whose {@code stat} cannot be read is not called a zombie here: the caller asks the JDK
     * whether it is alive.
     */
    boolean zombie(long pid) {
        String[] f = statFields(pid);
        return f != null && f.length > 0 && (f[0].equals("Z") || f[0].equals("X"));
    }

    /**
     * The fields of {@code /proc/<pid>/stat} after the command name, which may hold spaces and
     * parentheses itself: {@code STATE PPID PGRP ...}; {@code null} if it cannot be read.
     */
    private String[] statFields(long pid) {
        String stat;
        try {
            stat = new String(Files.readAllBytes(root.resolve(pid + "/stat")),
                    StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        int close = stat.lastIndexOf(')');
        return close < 0 || close + 2 >= stat.length() ? null
                : stat.substring(close + 2).trim().split(" ");
    }
}
