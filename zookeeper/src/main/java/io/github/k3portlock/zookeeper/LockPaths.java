package io.github.k3portlock.zookeeper;

import io.github.k3portlock.internal.Checks;
import java.util.Comparator;
import java.util.Locale;

/**
 * Where a key's lock lives in ZooKeeper, and how its nodes are ordered: the layout of Curator's
 * {@code InterProcessMutex}, shared by {@link ZooKeeperLocks} and by tools that read the lock's
 * nodes (the CLI's {@code portlock run --zookeeper} lists them to name the holder).
 *
 * <p>A key's lock path is the root path, a slash, and {@link #nodeName(String) nodeName(key)};
 * under it each acquisition is an EPHEMERAL_SEQUENTIAL child named
 * {@code _c_<uuid>-lock-<10-digit sequence>}, and the children are ordered by
 * {@link #sequenceOf(String) the text after their last "lock-"} ({@link #SEQUENCE_ORDER}): the
 * first holds the lock.
 *
 * <p>Stateless and thread-safe.
 */
public final class LockPaths {
    /** The node name prefix of Curator's {@code InterProcessMutex}; ordering is by what follows. */
    public static final String LOCK_NAME = "lock-";

    /**
     * Orders a lock's children as Curator's {@code StandardLockInternalsDriver} does: by
     * {@link #sequenceOf(String)}. The first child holds the lock.
     */
    public static final Comparator<String> SEQUENCE_ORDER =
            Comparator.comparing(LockPaths::sequenceOf);

    private LockPaths() {
    }

    /**
     * Returns the node name under which the lock on {@code key} lives: the key escaped so that
     * every valid key maps to its own valid node name. Escaped are {@code '%'} and {@code '/'}
     * and every character ZooKeeper refuses in a path (U+0000 to U+001F, U+007F to U+009F,
     * U+D800 to U+F8FF, U+FFF0 to U+FFFF): a character below U+0100 becomes {@code %} and two
     * upper-case hex digits, any other {@code %u} and four. A key that is {@code "."} or
     * {@code ".."} has its dots escaped ({@code %2E}). Nothing else changes, so the mapping is
     * injective ({@code 'u'} is not a hex digit) and readable: {@code "reports/daily"} becomes
     * {@code "reports%2Fdaily"}.
     *
     * @param key the lock key, checked as every backend checks keys
     * @return the node name
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate,
     *     with the same message as {@link io.github.k3portlock.Portlock}'s
     */
    public static String nodeName(String key) {
        return escape(Checks.key(key));
    }

    /**
     * Returns what a lock's children are ordered by: the text after the last {@code "lock-"} of
     * the child's name (the whole name if it has none), as Curator's
     * {@code StandardLockInternalsDriver} does.
     *
     * @param child a child's node name, for example {@code _c_2a1f...-lock-0000000007}
     * @return its sequence text, for example {@code 0000000007}
     * @throws NullPointerException if {@code child} is null
     */
    public static String sequenceOf(String child) {
        int i = child.lastIndexOf(LOCK_NAME);
        return i < 0 ? child : child.substring(i + LOCK_NAME.length());
    }

    /** The escaping of {@link #nodeName(String)}, for any string (no key check). */
    static String escape(String key) {
        if (key.equals(".") || key.equals("..")) {
            return key.replace(".", "%2E");
        }
        StringBuilder sb = null;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean bad = c == '%' || c == '/' || c <= '\u001f' || (c >= '\u007f' && c <= '\u009f')
                    || (c >= '\ud800' && c <= '\uf8ff') || c >= '\ufff0';
            if (bad && sb == null) {
                sb = new StringBuilder(key.length() + 16).append(key, 0, i);
            }
            if (sb != null) {
                if (!bad) {
                    sb.append(c);
                } else if (c < 0x100) {
                    sb.append(String.format(Locale.ROOT, "%%%02X", (int) c));
                } else {
                    sb.append(String.format(Locale.ROOT, "%%u%04X", (int) c));
                }
            }
        }
        return sb == null ? key : sb.toString();
    }
}
