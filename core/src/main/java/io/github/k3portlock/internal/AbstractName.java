package io.github.k3portlock.internal;

/**
 * The native calls behind the Python original's Linux name (an abstract Unix socket): this Java
 * 17 version cannot make them and only says why. The core jar is a multi-release jar: on Java 22
 * or later its {@code META-INF/versions/22} copy of this class replaces this one and makes them
 * through the Foreign Function &amp; Memory API. Stateless; thread-safe.
 */
final class AbstractName {
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
        return "this is Java " + feature + ", but the Java 22 classes of k3portlock-core were not"
                + " loaded: put the k3portlock-core jar (a multi-release jar) on the class or"
                + " module path, not its classes directory";
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
