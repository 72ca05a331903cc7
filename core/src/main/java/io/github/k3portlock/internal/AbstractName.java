package io.github.k3portlock.internal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The native calls behind the Python original's Linux name (an abstract Unix socket): this Java
 * 17 version cannot make them and only says why. The core jar is a multi-release jar: on Java 22
 * or later its {@code META-INF/versions/22} copy of this class replaces this one and makes them
 * through the Foreign Function &amp; Memory API.
 *
 * <p>When this version runs on Java 22 or later on Linux, the Java 22 classes are missing (a jar
 * built where no JDK 22+ was found, a classes directory, or a repackaged jar without
 * {@code Multi-Release: true}); if native access is enabled, which asks for the name, the reason
 * is logged once as a WARNING to {@code System.getLogger("io.github.k3portlock")}. Stateless
 * after initialisation; thread-safe.
 */
final class AbstractName {
    /** Whether the WARNING was logged: once per class loader. */
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private AbstractName() {
    }

    /**
     * Why this JVM cannot bind the name, with the fix.
     *
     * @return the reason; never {@code null} in this version
     */
    static String unavailableReason() {
        if (!NameBinder.isLinux()) {
            return NameBinder.notLinux();
        }
        int feature = Runtime.version().feature();
        if (feature < 22) {
            return "this is Java " + feature + ", and binding the name needs Java 22 or later"
                    + " (the Foreign Function & Memory API); run on Java 22+ with "
                    + NameBinder.flag();
        }
        String why = "this is Java " + feature + ", but "
                + MissingJava22.why(MissingJava22.codeSource());
        if (nativeAccessEnabled() && WARNED.compareAndSet(false, true)) {
            System.getLogger("io.github.k3portlock").log(System.Logger.Level.WARNING,
                    "k3portlock cannot hold the Python original's Linux name, so it does not"
                            + " exclude the original on this host: " + why);
        }
        return why;
    }

    /** {@code Module.isNativeAccessEnabled()} (Java 22+), through reflection. */
    private static boolean nativeAccessEnabled() {
        try {
            Object on = Module.class.getMethod("isNativeAccessEnabled")
                    .invoke(AbstractName.class.getModule());
            return Boolean.TRUE.equals(on);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Binds the name; never called in this version.
     *
     * @param sunPath the bytes of {@code sun_path}, the leading NUL included
     * @return never
     * @throws UnsupportedOperationException always
     */
    static int bind(byte[] sunPath) throws ErrnoException {
        throw new UnsupportedOperationException(unavailableReason());
    }

    /**
     * Closes a descriptor; never called in this version.
     *
     * @param fd the descriptor
     * @throws UnsupportedOperationException always
     */
    static void close(int fd) throws ErrnoException {
        throw new UnsupportedOperationException(unavailableReason());
    }
}
