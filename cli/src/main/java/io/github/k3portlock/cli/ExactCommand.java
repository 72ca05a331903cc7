package io.github.k3portlock.cli;

import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * COMMAND's argument list for {@link ProcessBuilder}, such that COMMAND receives its arguments
 * byte for byte as portlock got them. {@code ProcessBuilder} encodes arguments with the JVM's
 * charset (the default charset on Java 17, {@code sun.jnu.encoding} on later ones; under the C
 * locale both are ASCII and read-only once the JVM runs), which turns every other byte into
 * {@code ?}. When that would change a byte, COMMAND is started through {@code /bin/sh}, which is
 * given the arguments as ASCII {@code printf} escapes, rebuilds the bytes and {@code exec}s
 * COMMAND: the same process, so the pid that portlock watches is COMMAND's. Stateless.
 */
final class ExactCommand {
    /**
     * Rebuilds each argument from its escapes ({@code _} keeps the trailing newlines that
     * command substitution strips) and runs COMMAND in the shell's place.
     */
    static final String SCRIPT = "for a do a=$(printf \"${a}_\"); set -- \"$@\" \"${a%_}\";"
            + " shift; done; exec \"$@\"";
    static final String SHELL = "/bin/sh";

    private ExactCommand() {
    }

    /**
     * Returns the list to start COMMAND with.
     *
     * @param command COMMAND and its arguments, as decoded
     * @param bytes their bytes, or {@code null} when unknown (then {@code command} is used as is)
     * @param charsets the charsets {@code ProcessBuilder} may encode with
     */
    static List<String> of(List<String> command, List<byte[]> bytes, Charset... charsets) {
        if (bytes == null || survives(command, bytes, charsets)) {
            return command;
        }
        List<String> sh = new ArrayList<>(List.of(SHELL, "-c", SCRIPT, "portlock"));
        for (byte[] b : bytes) {
            sh.add(escape(b));
        }
        return sh;
    }

    /** Tells whether {@code ProcessBuilder} would pass every argument's bytes unchanged. */
    private static boolean survives(List<String> command, List<byte[]> bytes,
            Charset... charsets) {
        for (int i = 0; i < command.size(); i++) {
            for (Charset c : charsets) {
                if (!Arrays.equals(command.get(i).getBytes(c), bytes.get(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * The bytes as a {@code printf} format that prints them: letters, digits and {@code /._} as
     * they are, every other byte as a three-digit octal escape (so no {@code %}, {@code \} or
     * leading {@code -} reaches {@code printf} as such).
     */
    static String escape(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '/' || c == '.' || c == '_')) {
                sb.append((char) c);
            } else {
                sb.append('\\').append((char) ('0' + (c >> 6))).append((char) ('0' + (c >> 3 & 7)))
                        .append((char) ('0' + (c & 7)));
            }
        }
        return sb.toString();
    }
}
