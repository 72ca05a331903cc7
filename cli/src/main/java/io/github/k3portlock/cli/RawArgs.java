package io.github.k3portlock.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The command line's bytes. The JVM decodes argv with the locale's charset ({@code
 * sun.jnu.encoding}) and replaces what it cannot decode: under the C locale (cron, {@code env -i},
 * most containers) every non-ASCII byte, so that {@code é} and {@code ü} would hash alike and
 * COMMAND would get {@code ?} for them. So the arguments are taken from {@code /proc/self/cmdline}
 * (Linux) and decoded as UTF-8, the charset keys are hashed in, whatever the locale; and COMMAND's
 * arguments are passed on as those bytes ({@link ExactCommand}). An argument that is not valid
 * UTF-8 keeps the JVM's decoding, and is refused as a key. Immutable.
 */
final class RawArgs {
    /** The arguments, decoded as UTF-8 where their bytes are valid UTF-8. */
    final List<String> text;
    /** Each argument's bytes, or {@code null} when they are unknown. */
    private final List<byte[]> raw;
    /** The charset the JVM decoded the arguments with. */
    private final Charset jnu;

    private RawArgs(List<String> text, List<byte[]> raw, Charset jnu) {
        this.text = Collections.unmodifiableList(text);
        this.raw = raw;
        this.jnu = jnu;
    }

    /** Arguments whose bytes are unknown (given as strings: in-process tests). */
    static RawArgs strings(List<String> args) {
        return new RawArgs(new ArrayList<>(args), null, StandardCharsets.UTF_8);
    }

    /** This process's arguments as {@code main} got them, with their bytes where Linux has them. */
    static RawArgs ofProcess(String[] args) {
        byte[] cmdline;
        try {
            cmdline = Files.readAllBytes(Paths.get("/proc/self/cmdline"));
        } catch (IOException | RuntimeException e) {
            cmdline = null; // not Linux
        }
        return of(args, cmdline, jnu());
    }

    /**
     * Matches the JVM's arguments with the last entries of {@code cmdline} (NUL-terminated
     * arguments, the JVM's own options first); the bytes count only if every argument matches,
     * decoded as the JVM decoded it (arguments from an {@code @argfile} do not).
     */
    static RawArgs of(String[] args, byte[] cmdline, Charset jnu) {
        List<String> given = Arrays.asList(args);
        if (cmdline == null) {
            return new RawArgs(new ArrayList<>(given), null, jnu);
        }
        List<byte[]> all = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length; i++) {
            if (cmdline[i] == 0) {
                all.add(Arrays.copyOfRange(cmdline, start, i));
                start = i + 1;
            }
        }
        if (all.size() < args.length) {
            return new RawArgs(new ArrayList<>(given), null, jnu);
        }
        List<byte[]> tail = all.subList(all.size() - args.length, all.size());
        List<String> text = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (!new String(tail.get(i), jnu).equals(args[i])) {
                return new RawArgs(new ArrayList<>(given), null, jnu);
            }
            String utf8 = utf8(tail.get(i));
            text.add(utf8 != null ? utf8 : args[i]);
        }
        return new RawArgs(text, List.copyOf(tail), jnu);
    }

    /**
     * The bytes of the last {@code n} arguments (run's COMMAND), or {@code null} when they are
     * unknown.
     */
    List<byte[]> lastBytes(int n) {
        return raw == null ? null : raw.subList(raw.size() - n, raw.size());
    }

    /**
     * Why {@code key} (one of the arguments) cannot be hashed, or {@code null} if it can: its
     * bytes are not valid UTF-8, or they are unknown and the JVM could not decode them.
     */
    String keyProblem(String key) {
        if (raw != null) {
            for (int i = 0; i < raw.size(); i++) {
                int bad = firstInvalid(raw.get(i));
                if (bad >= 0 && text.get(i).equals(key)) {
                    return "KEY is not valid UTF-8 (byte " + bad + " of the argument); keys are"
                            + " hashed as UTF-8";
                }
            }
            return null;
        }
        if (!jnu.equals(StandardCharsets.UTF_8) && key.indexOf('\uFFFD') >= 0) {
            return String.format(Locale.ROOT, "KEY cannot be read: the locale's charset (%s)"
                    + " cannot decode it, and the command line's bytes are not readable; run"
                    + " portlock under a UTF-8 locale (e.g. LC_ALL=C.UTF-8)", jnu.name());
        }
        return null;
    }

    /** The charset the JVM decodes arguments with. */
    static Charset jnu() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    /** {@code bytes} decoded as UTF-8, or {@code null} if they are not valid UTF-8. */
    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The offset of the first malformed byte in {@code bytes}, or -1 if it is valid UTF-8. */
    static int firstInvalid(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        boolean error = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in, CharBuffer.allocate(bytes.length + 1), true).isError();
        return error ? in.position() : -1;
    }
}
