package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ExactCommand}: arguments reach COMMAND byte for byte, through a real /bin/sh. */
class ExactCommandTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void argumentsThatSurviveTheCharsetsAreUsedAsTheyAre() {
        List<String> command = List.of("printf", "%s\n", "abc");
        List<byte[]> bytes = List.of(utf8("printf"), utf8("%s\n"), utf8("abc"));
        assertSame(command, ExactCommand.of(command, bytes, StandardCharsets.US_ASCII,
                StandardCharsets.UTF_8));
        assertSame(command, ExactCommand.of(command, null, StandardCharsets.US_ASCII));
        List<String> e = List.of("echo", "é");
        assertSame(e, ExactCommand.of(e, List.of(utf8("echo"), utf8("é")),
                StandardCharsets.UTF_8), "UTF-8 passes é as it is");
    }

    @Test
    void escapesAreAsciiWithoutPrintfSpecials() {
        assertEquals("a\\045s\\134\\055\\303\\251_", ExactCommand.escape(utf8("a%s\\-é_")));
    }

    @Test
    void theShellGivesCommandEveryByte() throws Exception {
        byte[] latin1 = {'x', (byte) 0xe9, 'y'}; // not UTF-8
        List<byte[]> args = List.of(utf8("é"), utf8("%s%%\\n"), utf8("-n"), utf8(""),
                utf8("two\n\n"), utf8("a b'\"$HOME`"), latin1);
        List<byte[]> bytes = new ArrayList<>();
        bytes.add(utf8("/bin/sh"));
        bytes.add(utf8("-c"));
        bytes.add(utf8("for a do printf '%s' \"$a\" | od -An -tx1; echo .; done"));
        bytes.add(utf8("sh"));
        bytes.addAll(args);
        List<String> command = new ArrayList<>();
        for (byte[] b : bytes) {
            command.add(new String(b, StandardCharsets.US_ASCII)); // as the C locale decodes
        }
        List<String> exact = ExactCommand.of(command, bytes, StandardCharsets.US_ASCII);
        assertEquals(ExactCommand.SHELL, exact.get(0));
        exact.forEach(a -> assertTrue(a.chars().allMatch(c -> c < 0x80), a));
        Path out = Files.createTempFile("exact", ".out");
        try {
            Process p = new ProcessBuilder(exact).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
            assertEquals(0, p.exitValue());
            String[] got = Files.readString(out).split("\\.\n", -1);
            for (int i = 0; i < args.size(); i++) {
                StringBuilder hex = new StringBuilder();
                for (byte b : args.get(i)) {
                    hex.append(String.format(" %02x", b & 0xff));
                }
                assertEquals(hex.toString(), got[i].replace("\n", ""), "argument " + i);
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void theShellRunsCommandInItsOwnPlaceWithItsExitCode() throws Exception {
        List<byte[]> bytes = List.of(utf8("sh"), utf8("-c"), utf8("echo $$; exit 7"), utf8("é"));
        List<String> command = List.of("sh", "-c", "echo $$; exit 7", "??");
        Process p = new ProcessBuilder(ExactCommand.of(command, bytes, StandardCharsets.US_ASCII))
                .start();
        String pid = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(7, p.exitValue());
        assertEquals(Long.toString(p.pid()), pid.strip(), "exec: COMMAND has the pid started");
        assertArrayEquals(new byte[0], p.getErrorStream().readAllBytes());
    }
}
