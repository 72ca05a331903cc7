package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RawArgs} on command lines given as bytes, decoded as the JVM decodes them under the C
 * locale (US-ASCII: every other byte becomes U+FFFD) and under UTF-8.
 */
class RawArgsTest {
    private static final Charset ASCII = StandardCharsets.US_ASCII;

    /** The bytes of /proc/self/cmdline for these arguments: each one NUL-terminated. */
    private static byte[] cmdline(byte[]... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] a : args) {
            b.writeBytes(a);
            b.write(0);
        }
        return b.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The strings the JVM's main gets for these bytes under {@code jnu}. */
    private static String[] decoded(Charset jnu, byte[]... args) {
        String[] s = new String[args.length];
        for (int i = 0; i < args.length; i++) {
            s[i] = new String(args[i], jnu);
        }
        return s;
    }

    @Test
    void underTheCLocaleTheArgumentsAreTheirUtf8() {
        byte[][] args = {utf8("run"), utf8("é"), utf8("--"), utf8("printf"), utf8("ü")};
        String[] jvm = decoded(ASCII, args);
        assertEquals("\uFFFD\uFFFD", jvm[1], "what the JVM makes of é under C");
        byte[] line = cmdline(utf8("java"), utf8("-jar"), utf8("portlock.jar"), args[0], args[1],
                args[2], args[3], args[4]);
        RawArgs r = RawArgs.of(jvm, line, ASCII);
        assertEquals(List.of("run", "é", "--", "printf", "ü"), r.text);
        assertNull(r.keyProblem("é"));
        assertArrayEquals(utf8("ü"), r.lastBytes(2).get(1));
        assertArrayEquals(utf8("printf"), r.lastBytes(2).get(0));
    }

    @Test
    void aKeyThatIsNotUtf8IsAProblemWhateverTheLocale() {
        byte[] bad = {'k', (byte) 0xed, (byte) 0xa0, (byte) 0x80};
        for (Charset jnu : List.of(ASCII, StandardCharsets.UTF_8)) {
            String[] jvm = decoded(jnu, utf8("ports"), bad);
            RawArgs r = RawArgs.of(jvm, cmdline(utf8("java"), utf8("ports"), bad), jnu);
            assertEquals(jvm[1], r.text.get(1), "kept as the JVM decoded it");
            assertEquals("KEY is not valid UTF-8 (byte 1 of the argument); keys are hashed as"
                    + " UTF-8", r.keyProblem(r.text.get(1)));
            assertArrayEquals(bad, r.lastBytes(1).get(0), "its bytes, for COMMAND");
        }
    }

    @Test
    void bytesThatDoNotMatchTheArgumentsAreNotUsed() {
        // An @argfile: the arguments are not on the command line.
        RawArgs r = RawArgs.of(new String[] {"ports", "\uFFFD\uFFFD"},
                cmdline(utf8("java"), utf8("@args")), ASCII);
        assertNull(r.lastBytes(1));
        assertTrue(r.keyProblem("\uFFFD\uFFFD").startsWith("KEY cannot be read: the locale's"
                + " charset (US-ASCII) cannot decode it"), r.keyProblem("\uFFFD\uFFFD"));
        // The same count, other bytes.
        RawArgs other = RawArgs.of(new String[] {"ports", "x"},
                cmdline(utf8("java"), utf8("ports"), utf8("y")), ASCII);
        assertNull(other.lastBytes(1));
        assertEquals(List.of("ports", "x"), other.text);
        // No /proc: the JVM's strings as they are; a U+FFFD typed under UTF-8 is a valid key.
        RawArgs none = RawArgs.of(new String[] {"k\uFFFD"}, null, StandardCharsets.UTF_8);
        assertNull(none.keyProblem("k\uFFFD"));
    }

    @Test
    void emptyArgumentsKeepTheirPlaces() {
        byte[][] args = {utf8("run"), utf8("k"), utf8("echo"), utf8(""), utf8("é")};
        RawArgs r = RawArgs.of(decoded(ASCII, args), cmdline(utf8("java"), args[0], args[1],
                args[2], args[3], args[4]), ASCII);
        assertEquals(List.of("run", "k", "echo", "", "é"), r.text);
        assertEquals(0, r.lastBytes(2).get(0).length);
    }
}
