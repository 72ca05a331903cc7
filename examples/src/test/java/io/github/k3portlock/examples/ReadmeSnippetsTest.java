package io.github.k3portlock.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java examples compile as pasted (imports included) and run: each {@code ```java}
 * block that declares a class is compiled against this module's class path and its {@code main}
 * is run (with its key replaced by a fresh one).
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

    @Test
    void everyJavaExampleInTheReadmeCompilesAndRuns(@TempDir Path dir) throws Exception {
        // The README's key, replaced by a fresh one so that runs never collide.
        String readme = Files.readString(Path.of("..", "README.md"))
                .replace("\"nightly-report\"", "\"readme-" + UUID.randomUUID() + "\"");
        List<String> classes = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            String source = m.group(1);
            Matcher c = CLASS.matcher(source);
            assertTrue(c.find(), "a README java block is not a whole class:\n" + source);
            Files.writeString(dir.resolve(c.group(1) + ".java"), source);
            classes.add(c.group(1));
        }
        assertFalse(classes.isEmpty(), "no java examples found in README.md");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler");
        List<String> args = new ArrayList<>(List.of("-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), "-Xlint:all", "-Werror"));
        for (String name : classes) {
            args.add(dir.resolve(name + ".java").toString());
        }
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertEquals(0, rc, "README examples do not compile:\n" + diagnostics);

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            for (String name : classes) {
                String out = runMain(loader.loadClass(name));
                assertFalse(out.isBlank(), name + " printed nothing");
            }
        }
    }

    private static String runMain(Class<?> main) throws ReflectiveOperationException, IOException {
        PrintStream saved = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            main.getMethod("main", String[].class).invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
