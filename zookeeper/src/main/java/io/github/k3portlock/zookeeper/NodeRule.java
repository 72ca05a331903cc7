package io.github.k3portlock.zookeeper;

import java.util.Comparator;
import java.util.List;

/**
 * What one acquisition's node is called under a lock path, how the path's children are ordered,
 * and when the node holds the lock: Curator's {@code InterProcessMutex}, and the write and read
 * locks of its {@code InterProcessReadWriteLock} (5.x), exactly. Immutable and thread-safe.
 */
enum NodeRule {
    /** {@code InterProcessMutex}: {@code lock-} nodes; the first child holds the lock. */
    MUTEX(LockPaths.LOCK_NAME),
    /**
     * {@code InterProcessReadWriteLock.writeLock()}: {@code __WRIT__} nodes; the first child,
     * read or write, holds the lock, as {@code StandardLockInternalsDriver} with one lease.
     */
    WRITE(NodeRule.WRITE_NAME),
    /**
     * {@code InterProcessReadWriteLock.readLock()}: {@code __READ__} nodes; a node holds the lock
     * when no write node precedes it, and otherwise watches the first write node.
     */
    READ(NodeRule.READ_NAME);

    /** The read lock's node name prefix in Curator's read/write lock. */
    static final String READ_NAME = "__READ__";
    /** The write lock's node name prefix in Curator's read/write lock (as long as the read's). */
    static final String WRITE_NAME = "__WRIT__";
    /** Curator's {@code SortingLockInternalsDriver}: after the last read, then write, name. */
    private static final Comparator<String> READ_WRITE_ORDER = Comparator.comparing(
            child -> afterLast(afterLast(child, READ_NAME), WRITE_NAME));

    /** The node name created under the lock path, before the sequence. */
    final String nodeName;

    NodeRule(String nodeName) {
        this.nodeName = nodeName;
    }

    /** How this rule's lock path's children are ordered. */
    Comparator<String> order() {
        return this == MUTEX ? LockPaths.SEQUENCE_ORDER : READ_WRITE_ORDER;
    }

    /**
     * Decides for the node at {@code ours} in {@code sorted} (ordered by {@link #order()}).
     *
     * @return {@code null} if it holds the lock, else the child to watch
     */
    String toWatch(List<String> sorted, int ours) {
        if (this != READ) {
            return ours == 0 ? null : sorted.get(ours - 1);
        }
        for (int i = 0; i < ours; i++) {
            if (sorted.get(i).contains(WRITE_NAME)) {
                return sorted.get(i); // the first write node before ours
            }
        }
        return null;
    }

    /** Curator's {@code standardFixForSorting}: the text after the last {@code name}. */
    private static String afterLast(String s, String name) {
        int i = s.lastIndexOf(name);
        return i < 0 ? s : s.substring(i + name.length());
    }
}
