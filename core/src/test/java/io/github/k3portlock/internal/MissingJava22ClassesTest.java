package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A core without its Java 22 classes says why on Java 22+: built without a JDK 22+ (not "put the
 * jar on the class path"), a classes directory, or a jar that lost {@code Multi-Release: true}.
 */
class MissingJava22ClassesTest {
    private static final Path CLASSES = Paths.get("target", "classes");

    @TempDir
    Path dir;

    @Test
    void eachCauseHasItsOwnMessage() throws IOException {
        String built = MissingJava22.why(jar(false, true));
        assertTrue(built.contains("was built without a JDK 22 or later"), built);
        assertTrue(built.contains("K3PORTLOCK_JDK22"), built);
        assertFalse(built.contains("class path"), built);

        String shaded = MissingJava22.why(jar(true, false));
        assertTrue(shaded.contains("lacks 'Multi-Release: true'"), shaded);

        String classes = MissingJava22.why(dir);
        assertTrue(classes.contains("classes directory " + dir), classes);
    }

    /**
     * On Java 25 with native access, a jar built without the Java 22 classes: REQUIRE_LINUX_NAME
     * names the cause and the fix, and one WARNING (not one per scheme) says so.
     */
    @Test
    void requireLinuxNameOnJava25WithAJarWithoutThem() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "Linux only");
        Path jdk = Paths.get(System.getenv().getOrDefault("K3PORTLOCK_JDK25",
                "/usr/lib/jvm/temurin-25-jdk-amd64"));
        Assumptions.assumeTrue(Files.isExecutable(jdk.resolve("bin/java")), "no JDK 25 at " + jdk);
        Path jar = jar(false, true);
        Path testClasses = Paths.get(RequireNameChild.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        Process p = new ProcessBuilder(jdk.resolve("bin/java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", jar + ":" + testClasses,
                RequireNameChild.class.getName())
                .redirectError(dir.resolve("err").toFile())
                .redirectOutput(dir.resolve("out").toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child exits");
        String out = Files.readString(dir.resolve("out"));
        String err = Files.readString(dir.resolve("err"));
        List<String> refused = out.lines().filter(l -> l.startsWith("REFUSED "))
                .collect(Collectors.toList());
        assertEquals(2, refused.size(), out + err);
        String m = refused.get(0);
        assertTrue(m.contains("interop REQUIRE_LINUX_NAME"), m);
        assertTrue(m.contains("this is Java 25, but the k3portlock-core jar " + jar
                + " was built without a JDK 22 or later"), m);
        assertFalse(m.contains("class path") || m.contains("classes directory"), m);
        assertEquals(1, err.lines().filter(l -> l.startsWith("WARNING: k3portlock cannot hold"))
                .count(), err);
        assertTrue(err.contains("rebuild it on a machine with a JDK 22+"), err);
    }

    /** A core jar from target/classes, without META-INF/versions (as built on JDK 17 alone). */
    private Path jar(boolean versioned, boolean multiRelease) throws IOException {
        Path jar = dir.resolve(versioned ? "versioned.jar" : "core.jar");
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (multiRelease) {
            mf.getMainAttributes().putValue("Multi-Release", "true");
        }
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf);
                Stream<Path> files = Files.walk(CLASSES)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String name = CLASSES.relativize(f).toString().replace('\\', '/');
                if (name.startsWith("META-INF/versions/") || name.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                out.putNextEntry(new JarEntry(name));
                out.write(Files.readAllBytes(f));
                out.closeEntry();
            }
            if (versioned) {
                out.putNextEntry(new JarEntry(MissingJava22.VERSIONED_ENTRY));
                out.write("not a class".getBytes(StandardCharsets.US_ASCII));
                out.closeEntry();
            }
        }
        return jar;
    }
}
