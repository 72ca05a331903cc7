package io.github.k3portlock.internal;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.jar.JarFile;

/**
 * Why core's Java 22 classes ({@code META-INF/versions/22}) did not load on Java 22 or later,
 * with the fix: for the Java 17 version of {@link AbstractName}, which runs only then. Not
 * versioned itself, so the message is the same (and testable) on every Java. Stateless;
 * thread-safe.
 */
final class MissingJava22 {
    /** The Java 22 version of {@link AbstractName}, as stored in the multi-release jar. */
    static final String VERSIONED_ENTRY =
            "META-INF/versions/22/io/github/k3portlock/internal/AbstractName.class";

    private MissingJava22() {
    }

    /**
     * Why the Java 22 classes did not load from {@code from} (this class's jar or directory, or
     * {@code null} when unknown), with the fix.
     */
    static String why(Path from) {
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

    /** Where core's classes come from: its jar or classes directory, {@code null} if unknown. */
    static Path codeSource() {
        try {
            CodeSource cs = MissingJava22.class.getProtectionDomain().getCodeSource();
            URL url = cs == null ? null : cs.getLocation();
            return url == null || !"file".equals(url.getProtocol()) ? null
                    : Path.of(url.toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}
