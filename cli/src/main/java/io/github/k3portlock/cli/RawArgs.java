package io.github.k3portlock.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.OptionalInt;

/**
 * The command line's bytes, to tell a key that is not valid UTF-8. The JVM decodes argv and
 * replaces bytes it cannot decode with U+FFFD (or '?'), so {@code $'\xed\xa0\x80'} and every other
 * invalid key would hash alike; the original rejects them with an encoding error. Reads
 * {@code /proc/self/cmdline} (Linux); elsewhere nothing is rejected. Stateless.
 */
final class RawArgs {
    private RawArgs() {
    }

    /**
     * Returns the offset of the first byte that is not valid UTF-8 in the command-line argument
     * that the JVM decoded as {@code arg}, or empty when every such argument is valid UTF-8 or
     * the bytes cannot be read.
     */
    static OptionalInt invalidUtf8(String arg) {
        if (arg.indexOf('\uFFFD') < 0 && arg.indexOf('?') < 0) {
            return OptionalInt.empty(); // nothing was replaced while decoding
        }
        byte[] all;
        try {
            all = Files.readAllBytes(Paths.get("/proc/self/cmdline"));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty();
        }
        Charset jnu;
        try {
            jnu = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            jnu = Charset.defaultCharset();
        }
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == 0) {
                if (i > start) {
                    ByteBuffer raw = ByteBuffer.wrap(all, start, i - start);
                    if (jnu.decode(raw.duplicate()).toString().equals(arg)) {
                        int bad = firstInvalid(raw);
                        if (bad >= 0) {
                            return OptionalInt.of(bad);
                        }
                    }
                }
                start = i + 1;
            }
        }
        return OptionalInt.empty();
    }

    /** The offset of the first malformed byte in {@code raw}, or -1 if it is valid UTF-8. */
    private static int firstInvalid(ByteBuffer raw) {
        ByteBuffer in = raw.duplicate();
        int begin = in.position();
        CoderResult r = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(in, CharBuffer.allocate(in.remaining() + 1), true);
        return r.isError() ? in.position() - begin : -1;
    }
}
