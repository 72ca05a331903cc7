package io.github.k3portlock.internal;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarFile;

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
    /** The Java 22 version of this class, as stored in the multi-release jar. */
    static final String VERSIONED_ENTRY =
            "META-INF/versions/22/io/github/k3portlock/internal/AbstractName.class";

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
        String why = "this is Java " + feature + ", but " + missingClasses(codeSource());
        if (nativeAccessEnabled() && WARNED.compareAndSet(false, true)) {
            System.getLogger("io.github.k3portlock").log(System.Logger.Level.WARNING,
                    "k3portlock cannot hold the Python original's Linux name, so it does not"
                            + " exclude the original on this host: " + why);
        }
        return why;
    }

    /**
     * Why the Java 22 classes did not load from {@code from} (this class's jar or directory, or
     * {@code null} when unknown), with the fix.
     */
    static String missingClasses(Path from) {
        if (from != null && Files.isDirectory(from)) {
            return "k3portlock-core's Java 22 classes were not loaded: it is on the path as the"
                    + " classes directory " + from + "; put the k3portlock-core jar (a"
                    + " multi-release jar) on the class or module path instead";
        }
        if (from != null && Files.isRegularFile(from)) {
            try (JarFile jar = new JarFile(from.toFile())) {
                if (jar.getEntry(VERSIONED_ENTRY) != null) {
                    return "the jar " + from + " holds k3portlock-core's Java 22 classes but its"
                            + " manifest lacks 'Multi-Release: true' (a repackaged or shaded"
                            + " jar?); add that manifest attribute";
                }
            } catch (IOException | RuntimeException e) {
                // unreadable: say what is most likely
            }
        }
        return "the k3portlock-core jar" + (from == null ? "" : " " + from) + " was built without"
                + " a JDK 22 or later, so it lacks its Java 22 classes (META-INF/versions/22);"
                + " rebuild it on a machine with a JDK 22+ installed (the build finds it, or set"
                + " K3PORTLOCK_JDK22=/path/to/jdk) or use a release build of k3portlock-core";
    }

    private static Path codeSource() {
        try {
            CodeSource cs = AbstractName.class.getProtectionDomain().getCodeSource();
            URL url = cs == null ? null : cs.getLocation();
            return url == null || !"file".equals(url.getProtocol()) ? null
                    : Path.of(url.toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
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
