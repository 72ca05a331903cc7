package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.k3portlock.Portlock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The CLI under the C locale (cron, {@code env -i}, most containers), where the JVM decodes the
 * command line as ASCII: keys are hashed as their UTF-8 bytes all the same, and COMMAND gets its
 * arguments byte for byte. Non-ASCII arguments are made by the shell from octal escapes, so that
 * this JVM's own locale plays no part.
 */
class LocaleIT {
    /** How the locale is taken away: the variable set, or the whole environment emptied. */
    private static final List<List<String>> LOCALES = List.of(
            List.of("env", "LC_ALL=C"), List.of("env", "-i"));
    private static final Path JAVA_25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    /** A finished run's exit code and its stdout's bytes. */
    private record Run(int code, byte[] out, String err) {
        String text() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    /**
     * Runs {@code locale} {@code java -jar portlock.jar ARGS...}, each argument a string (its
     * UTF-8) or a {@code byte[]}, which the shell makes from octal escapes.
     */
    private static Run run(List<String> locale, List<String> java, Object... args)
            throws Exception {
        List<String> cmd = new ArrayList<>(locale);
        StringBuilder script = new StringBuilder("exec \"$@\"");
        for (Object a : args) {
            byte[] b = a instanceof byte[] ? (byte[]) a
                    : ((String) a).getBytes(StandardCharsets.UTF_8);
            script.append(" \"$(printf '").append(ExactCommand.escape(b)).append("')\"");
        }
        cmd.addAll(List.of("/bin/sh", "-c", script.toString(), "sh"));
        cmd.addAll(java);
        Path out = Files.createTempFile("portlock-locale", ".out");
        Path err = Files.createTempFile("portlock-locale", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).start();
            if (!p.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                Cli.destroyTree(p);
                fail("portlock did not exit: " + cmd);
            }
            return new Run(p.exitValue(), Files.readAllBytes(out), Files.readString(err,
                    StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The java command line without arguments: this JVM's java, and Java 25 where installed. */
    private static List<List<String>> javas() {
        List<List<String>> javas = new ArrayList<>();
        javas.add(Cli.command());
        if (Files.isExecutable(JAVA_25)) {
            List<String> c = new ArrayList<>(Cli.command());
            c.set(0, JAVA_25.toString());
            javas.add(c);
        }
        return javas;
    }

    @Test
    void nonAsciiKeysMapToTheirUtf8PortsWhateverTheLocale() throws Exception {
        for (List<String> locale : LOCALES) {
            for (List<String> java : javas()) {
                Run e = run(locale, java, "ports", "é");
                assertEquals(0, e.code(), locale + " " + java.get(0) + ": " + e.err());
                assertEquals("43005", e.text().lines().findFirst().orElse(""),
                        "the Python original's and a UTF-8 locale's ports for 'é': " + locale);
                Run u = run(locale, java, "ports", "ü");
                assertEquals(0, u.code(), u.err());
                assertNotEquals(e.text(), u.text(), "'é' and 'ü' are distinct keys: " + locale);
            }
        }
    }

    @Test
    void runExcludesTheLibraryAndTheLibraryExcludesRunAcrossLocales() throws Exception {
        String key = "é-" + UUID.randomUUID();
        for (List<String> locale : LOCALES) {
            try (Portlock holder = Portlock.builder(key).build()) {
                assertTrue(holder.tryLock(), "the library holds '" + key + "'");
                Run r = run(locale, Cli.command(), "run", "--nonblock", key, "--",
                        "echo", "must-not-run");
                assertEquals(1, r.code(), locale + ": " + r.err());
                assertEquals("", r.text(), "COMMAND did not run: " + locale);
                holder.release();
            }
        }
        // The CLI holds it under C; the library, which hashes UTF-8, is refused.
        List<String> cmd = new ArrayList<>(List.of("env", "LC_ALL=C", "/bin/sh", "-c",
                "exec \"$@\" run \"$(printf '" + ExactCommand.escape(key.getBytes(
                        StandardCharsets.UTF_8)) + "')\" sh -c 'echo LOCKED; exec"
                        + " sleep 120'", "sh"));
        cmd.addAll(Cli.command());
        Process cli = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            Cli.awaitLine(cli, "LOCKED");
            try (Portlock other = Portlock.builder(key).build()) {
                assertFalse(other.tryLock(), "the CLI under C holds '" + key + "'");
            }
        } finally {
            Cli.destroyTree(cli);
            cli.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Test
    void commandGetsItsArgumentsByteForByte() throws Exception {
        byte[] latin1 = {'x', (byte) 0xe9};
        for (List<String> locale : LOCALES) {
            for (List<String> java : javas()) {
                Run r = run(locale, java, "run", "k-" + UUID.randomUUID(), "--", "printf",
                        "%s|%s\\n", "é", latin1);
                String what = locale + " " + java.get(0) + ": " + r.err();
                assertEquals(0, r.code(), what);
                assertArrayEquals(new byte[] {(byte) 0xc3, (byte) 0xa9, '|', 'x', (byte) 0xe9,
                    '\n'}, r.out(), what);
            }
        }
    }
}
