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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The READMEs' Java examples compile as pasted (imports included) and run: each {@code ```java}
 * block that declares a class is compiled against this module's class path and its {@code main}
 * is run (with its key replaced by a fresh one, and zookeeper/README.md's {@code localhost:2181}
 * by an in-process test server).
 */
class ReadmeSnippetsTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");

    @Test
    void everyJavaExampleInTheReadmeCompilesAndRuns(@TempDir Path dir) throws Exception {
        String key = "readme-" + UUID.randomUUID();
        Map<String, String> outputs = compileAndRun(Path.of("..", "README.md"),
                Map.of("\"nightly-report\"", "\"" + key + "\""), dir);
        assertFalse(outputs.isEmpty(), "no java examples found in README.md");
    }

    @Test
    void theZooKeeperReadmeExampleCompilesAndRunsAgainstAServer(@TempDir Path dir)
            throws Exception {
        String key = "readme-zk-" + UUID.randomUUID();
        try (TestingServer server = new TestingServer(true)) {
            Map<String, String> outputs = compileAndRun(Path.of("..", "zookeeper", "README.md"),
                    Map.of("\"nightly-report\"", "\"" + key + "\"",
                            "\"localhost:2181\"", "\"" + server.getConnectString() + "\""), dir);
            assertEquals(List.of("ClusterJob"), List.copyOf(outputs.keySet()));
            assertEquals("report built", outputs.get("ClusterJob").strip());
            try (CuratorFramework client = CuratorFrameworkFactory.newClient(
                    server.getConnectString(), new RetryOneTime(100))) {
                client.start();
                String path = "/locks/" + key;
                assertTrue(client.checkExists().forPath(path) == null
                        || client.getChildren().forPath(path).isEmpty(),
                        "the example left a lock node under " + path);
            }
        }
    }

    /**
     * Compiles every java block of {@code readme} (after {@code replacements}) and runs each
     * class's {@code main}; returns what each printed, by class name, in README order.
     */
    private Map<String, String> compileAndRun(Path readme, Map<String, String> replacements,
            Path dir) throws Exception {
        String text = Files.readString(readme);
        for (Map.Entry<String, String> r : replacements.entrySet()) {
            text = text.replace(r.getKey(), r.getValue());
        }
        List<String> classes = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String source = m.group(1);
            Matcher c = CLASS.matcher(source);
            assertTrue(c.find(), "a " + readme + " java block is not a whole class:\n" + source);
            Files.writeString(dir.resolve(c.group(1) + ".java"), source);
            classes.add(c.group(1));
        }
        if (classes.isEmpty()) {
            return Map.of();
        }

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no system Java compiler");
        List<String> args = new ArrayList<>(List.of("-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), "-Xlint:all", "-Werror"));
        for (String name : classes) {
            args.add(dir.resolve(name + ".java").toString());
        }
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, args.toArray(String[]::new));
        assertEquals(0, rc, readme + " examples do not compile:\n" + diagnostics);

        Map<String, String> outputs = new LinkedHashMap<>();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                getClass().getClassLoader())) {
            for (String name : classes) {
                String out = runMain(loader.loadClass(name));
                assertFalse(out.isBlank(), name + " printed nothing");
                outputs.put(name, out);
            }
        }
        return outputs;
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
