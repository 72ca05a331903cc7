package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Holds the Python original's Linux name beside the ports: the abstract Unix socket
 * {@code "\0/portlock/" + key} ({@code AF_UNIX}, {@code SOCK_STREAM}, bound, not listening; the
 * address is exactly those bytes, no trailing NUL). The native calls are in
 * {@link AbstractName}, which has a Java 22 version in the multi-release core jar. Stateless
 * after initialisation; thread-safe.
 */
public final class NameBinder {
    /** What precedes the key in the name (after the leading NUL). */
    static final String PREFIX = "/portlock/";
    /**
     * The longest key, in UTF-8 bytes, whose name fits {@code sun_path}: 108 bytes, less the
     * leading NUL and {@value #PREFIX}.
     */
    public static final int MAX_KEY_BYTES = 108 - 1 - 10;

    /** Returned by {@link #tryHold} when a lock holds no name: closing it does nothing. */
    static final Closeable NONE = () -> { };

    private static final String UNAVAILABLE = AbstractName.unavailableReason();

    private NameBinder() {
    }

    /**
     * Why this JVM cannot hold the original's name (not Linux, Java older than 22, native access
     * not enabled), saying how to fix it; {@code null} when it can.
     *
     * @return the reason, or {@code null}
     */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Returns {@code key}'s name, {@code /portlock/KEY} (without the leading NUL), or
     * {@code null} when it does not fit {@code sun_path}.
     *
     * @param key the lock key
     * @return the name, or {@code null}
     */
    public static String name(String key) {
        String name = PREFIX + key;
        return name.getBytes(StandardCharsets.UTF_8).length <= 107 ? name : null;
    }

    /**
     * The message for a key whose name does not fit {@code sun_path}.
     *
     * @param key the key
     * @return the message, naming the key and its length
     */
    public static String tooLong(String key) {
        return "key " + Checks.quote(key) + " is " + key.getBytes(StandardCharsets.UTF_8).length
                + " bytes in UTF-8: its Linux name \\0" + PREFIX + "KEY does not fit sun_path"
                + " (108 bytes), so keys of more than " + MAX_KEY_BYTES + " bytes cannot be"
                + " held by the Python original either; use a shorter key or Interop.AUTOMATIC";
    }

    static boolean isLinux() {
        return System.getProperty("os.name", "").startsWith("Linux");
    }

    static String notLinux() {
        return "this is " + System.getProperty("os.name") + ", not Linux: the original binds its"
                + " abstract Unix socket on Linux only (elsewhere it binds the ports, which every"
                + " mode holds); use Interop.AUTOMATIC or TCP_ONLY";
    }

    static String flag() {
        Module m = NameBinder.class.getModule();
        return "--enable-native-access=" + (m.isNamed() ? m.getName()
                + " (module path)" : "ALL-UNNAMED (class path)");
    }

    /**
     * Takes {@code target}'s name, if its locks hold one.
     *
     * @param target the key's ports
     * @return {@link #NONE} when no name is held, {@code null} when the name is in use, else the
     *     held name, to close exactly once with {@link Descriptors#close}
     * @throws PortlockException when the name cannot be bound for another reason than
     *     EADDRINUSE; nothing stays open
     */
    static Closeable tryHold(LockPorts target) {
        String name = target.linuxName().orElse(null);
        if (name == null) {
            return NONE;
        }
        return tryHold(target, name, ("\0" + name).getBytes(StandardCharsets.UTF_8));
    }

    /** As {@link #tryHold(LockPorts)} for the given {@code sun_path} bytes (tests). */
    static Closeable tryHold(LockPorts target, String name, byte[] sunPath) {
        int fd;
        try {
            fd = AbstractName.bind(sunPath);
        } catch (ErrnoException e) {
            throw failure(target, name, e);
        } catch (Error e) {
            if (Descriptors.isOutOfDescriptors(e)) {
                throw failure(target, name, e);
            }
            throw e;
        }
        return fd < 0 ? null : new Held(target.key(), fd);
    }

    private static PortlockException failure(LockPorts target, String name, Throwable e) {
        boolean outOfFds = e instanceof ErrnoException x
                ? x.errno() == ErrnoException.EMFILE || x.errno() == ErrnoException.ENFILE
                : Descriptors.isOutOfDescriptors(e);
        return new PortlockException(target.key(), -1, "cannot bind the Python original's Linux"
                + " name @" + name + " for lock "
                + Checks.quote(target.key()) + " (" + target + "): "
                + (outOfFds ? "this process is out of file descriptors (" : "")
                + e.getMessage() + (outOfFds ? ")" : ""), e);
    }

    /** A bound name's descriptor, closed at most once. */
    private static final class Held implements Closeable {
        private final String key;
        private int fd;

        Held(String key, int fd) {
            this.key = key;
            this.fd = fd;
        }

        @Override
        public synchronized void close() throws IOException {
            int f = fd;
            if (f < 0) {
                return;
            }
            fd = -1; // never twice: the number may already belong to another file
            AbstractName.close(f);
        }

        @Override
        public String toString() {
            return "@" + PREFIX + key;
        }
    }
}
