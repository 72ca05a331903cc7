package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The core jar that this build packaged carries its Java 22 classes whenever the build could
 * find a JDK 22 or later (the same search as the build's, {@code src/build/javac22 --find}), and
 * is a multi-release jar.
 */
class MultiReleaseJarIT {

    @Test
    void theJarHoldsTheJava22ClassesWhereAJdk22Exists() throws Exception {
        Path jar = Paths.get(System.getProperty("core.jar"));
        boolean jdk22 = Runtime.version().feature() >= 22 || findsJdk22();
        try (JarFile j = new JarFile(jar.toFile())) {
            assertEquals("true", j.getManifest().getMainAttributes().getValue("Multi-Release"));
            if (jdk22) {
                assertNotNull(j.getEntry(MissingJava22.VERSIONED_ENTRY),
                        jar + " lacks " + MissingJava22.VERSIONED_ENTRY + " though a JDK 22+ exists");
            } else {
                assertNull(j.getEntry(MissingJava22.VERSIONED_ENTRY), "no JDK 22+ was found");
            }
        }
    }

    private static boolean findsJdk22() throws Exception {
        Process p = new ProcessBuilder(System.getProperty("javac22"), "--find")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        if (p.exitValue() == 0) {
            assertTrue(Files.isExecutable(Paths.get(out, "bin", "javac")), out);
        }
        return p.exitValue() == 0;
    }
}
