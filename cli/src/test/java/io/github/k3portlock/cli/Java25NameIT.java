package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The archive as a user gets it (unpacked elsewhere, run through {@code bin/portlock}) holds the
 * Python original's Linux name on Java 25: a python3 peer that binds {@code "\0/portlock/KEY"}
 * as the original does keeps {@code run --nonblock} from running and makes {@code status} say
 * held. On Java 17 {@code run --verbose} says once that it cannot exclude the original.
 */
class Java25NameIT {
    private static final String PEER = "import socket, sys\n"
            + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
            + "s.bind(b'\\0/portlock/' + sys.argv[1].encode('utf-8'))\n"
            + "print('HELD', flush=True)\n"
            + "sys.stdin.readline()\n";

    private Path tmp;
    private Path home;
    private Process peer;
    private String key;

    @BeforeEach
    void unpackAndHoldTheName() throws Exception {
        assumeTrue(Files.isReadable(Paths.get("/proc/net/unix")), "Linux only");
        tmp = Files.createTempDirectory("portlock-java25-it");
        exec(List.of("tar", "-xzf", System.getProperty("portlock.dist"), "-C", tmp.toString()));
        try (Stream<Path> top = Files.list(tmp)) {
            home = top.findFirst().orElseThrow();
        }
        key = Cli.freshKey();
        try {
            peer = new ProcessBuilder("python3", "-c", PEER, key)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is needed for the peer: " + e);
        }
        Cli.awaitLine(peer, "HELD");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (peer != null) {
            peer.destroyForcibly().waitFor();
        }
        if (tmp != null) {
            exec(List.of("rm", "-rf", tmp.toString()));
        }
    }

    static Path jdk25() {
        return Paths.get(System.getenv().getOrDefault("K3PORTLOCK_JDK25",
                "/usr/lib/jvm/temurin-25-jdk-amd64"));
    }

    @Test
    void onJava25RunAndStatusSeeTheOriginalsName() throws Exception {
        Path jdk = jdk25();
        assumeTrue(Files.isExecutable(jdk.resolve("bin/java")), "no JDK 25 at " + jdk);
        Map<String, String> java25 = Map.of("PORTLOCK_JAVA_HOME", jdk.toString());
        Path marker = tmp.resolve("ran");
        Cli.Result run = launch(java25, "run", "--nonblock", key, "--", "touch",
                marker.toString());
        assertEquals(1, run.code, run.toString());
        assertFalse(Files.exists(marker), "COMMAND did not run");
        assertFalse(run.err.contains("WARNING"), "no restricted-method warning\n" + run);

        Cli.Result status = launch(java25, "status", key);
        assertEquals(1, status.code, status.toString());
        assertTrue(status.out.startsWith("lock '" + key + "' is held: 0 of 3 ports held"),
                status.out);
        assertFalse(status.err.contains("WARNING"), status.toString());

        peer.getOutputStream().close(); // the peer exits: the name is free again
        assertTrue(peer.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        Cli.Result free = launch(java25, "run", "--nonblock", key, "--", "touch",
                marker.toString());
        assertEquals(0, free.code, free.toString());
        assertTrue(Files.exists(marker), "COMMAND ran once the name was free");
    }

    @Test
    void withoutAChoiceTheLauncherPrefersAJava22FromUsrLibJvm() throws Exception {
        Path jdk = jdk25();
        assumeTrue(jdk.startsWith("/usr/lib/jvm") && Files.isExecutable(jdk.resolve("bin/java")),
                "no JDK 25 under /usr/lib/jvm");
        Cli.Result run = launch(Map.of(), "run", "--nonblock", key, "--", "true");
        assertEquals(1, run.code, "the launcher chose a Java 22+, which holds the name\n" + run);
    }

    @Test
    void onJava17RunVerboseSaysOnceThatItCannotExcludeTheOriginal() throws Exception {
        Map<String, String> java17 = Map.of("JAVA", ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + "/bin/java"));
        assumeTrue(Runtime.version().feature() < 22, "the test JVM is Java 17");
        Cli.Result quiet = launch(java17, "run", "--nonblock", key, "--", "true");
        assertEquals(0, quiet.code, quiet.toString());
        assertEquals("", quiet.err, "nothing without --verbose");
        Cli.Result verbose = launch(java17, "run", "--nonblock", "--verbose", key, "--", "true");
        assertEquals(0, verbose.code, verbose.toString());
        assertEquals(1, verbose.err.lines().filter(l -> l.contains("does not exclude the Python"
                + " original")).count(), verbose.err);
        assertTrue(verbose.err.contains("this is Java 17"), verbose.err);
    }

    @Test
    void theCliJarIsSmallAndZooKeeperLivesBesideIt() throws Exception {
        long size = Files.size(home.resolve("lib/portlock.jar"));
        assertTrue(size < 1_000_000, "lib/portlock.jar is " + size + " bytes");
        try (Stream<Path> zk = Files.list(home.resolve("lib/zookeeper"))) {
            assertTrue(zk.anyMatch(p -> p.getFileName().toString().startsWith("zookeeper-3")),
                    "lib/zookeeper holds ZooKeeper's jar");
        }
    }

    private Cli.Result launch(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(home.resolve("bin/portlock").toString());
        cmd.addAll(List.of(args));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        for (String v : List.of("JAVA", "JAVA_HOME", "PORTLOCK_JAVA_HOME", "PORTLOCK_JAVA_OPTS",
                "JDK_JAVA_OPTIONS")) {
            pb.environment().remove(v);
        }
        pb.environment().put("PORTLOCK_CDS", "off");
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), "exits");
            return new Cli.Result(p.exitValue(), Files.readString(out), Files.readString(err),
                    java.time.Duration.ofNanos(System.nanoTime() - start));
        } finally {
            Cli.destroyTree(p);
        }
    }

    private static void exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS), cmd.toString());
        assertEquals(0, p.exitValue(), cmd + ": " + new String(p.getInputStream().readAllBytes()));
    }
}
