package io.github.k3portlock.testkit;

import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Both sides of the fd-exhaustion children's report, shared by core's and async's tests: the
 * child prints {@code NAME value} lines (ACQUIRED, BUSY, FAIL, RELEASE_THREW, AFTER,
 * START_SOCKETS, END_SOCKETS, DONE ...) and the parent checks them. The lock classes are named
 * by the caller: the testkit cannot depend on core.
 */
public final class FdExhaustionReport {
    private FdExhaustionReport() {
    }

    /**
     * Child side: prints a failed attempt, {@code FAIL <class> <port> <key> | <message>}.
     *
     * @param key the key attempted
     * @param t the failure
     * @param port the port the failure names, or -1
     */
    public static void fail(String key, Throwable t, int port) {
        System.out.println("FAIL " + t.getClass().getName() + " " + (port < 0 ? "-" : port) + " "
                + key + " | " + oneLine(String.valueOf(t.getMessage())));
    }

    /**
     * Child side: closes the descriptors that filled the table, then prints whether a new key
     * can be locked ({@code AFTER}), the socket count ({@code END_SOCKETS}) and {@code DONE}.
     *
     * @param filler the channels that took every descriptor
     * @param lockAgain locks and releases a new key
     */
    public static void finish(List<ServerSocketChannel> filler, Callable<?> lockAgain) {
        for (ServerSocketChannel ch : filler) {
            try {
                ch.close();
            } catch (Throwable t) {
                // reported through the socket count
            }
        }
        String after;
        try {
            lockAgain.call();
            after = "true";
        } catch (Throwable t) {
            after = oneLine(t.toString());
        }
        System.out.println("AFTER " + after);
        String end;
        try {
            end = Long.toString(Fds.socketsWithoutWarmUp());
        } catch (Throwable t) {
            end = oneLine(t.toString());
        }
        System.out.println("END_SOCKETS " + end);
        System.out.println("DONE");
        System.out.flush();
    }

    /**
     * Parent side: the checks every child's report must pass. The child finished; every attempt
     * is counted once; every failure is the clear "out of file descriptors" exception naming its
     * key and port; no release threw; a new key can be locked after; no socket is left.
     *
     * @param out the child's output lines
     * @param prefix the prefix of the child's keys
     * @param attempts the attempts the child made
     * @param exceptionClass the name of the clear exception's class
     * @return what is wrong; empty when all is well
     */
    public static List<String> check(List<String> out, String prefix, int attempts,
            String exceptionClass) {
        List<String> problems = new ArrayList<>();
        if (!out.contains("DONE") || !out.contains("EXIT 0")) {
            problems.add("child did not finish: " + tail(out));
            return problems;
        }
        int acquired = Integer.parseInt(value(out, "ACQUIRED"));
        int busy = Integer.parseInt(value(out, "BUSY"));
        List<String> fails = out.stream().filter(l -> l.startsWith("FAIL ")).toList();
        if (fails.isEmpty() || acquired == 0 || acquired + busy + fails.size() != attempts) {
            problems.add("the limit was not met as planned: acquired " + acquired + ", busy "
                    + busy + ", failed " + fails.size());
        }
        int unclear = 0;
        String firstUnclear = null;
        for (String f : fails) {
            // FAIL <class> <port> <key> | <message>
            String[] head = f.substring(0, f.indexOf(" | ")).split(" ");
            String message = f.substring(f.indexOf(" | ") + 3);
            boolean clear = head[1].equals(exceptionClass)
                    && !head[2].equals("-") && Integer.parseInt(head[2]) > 0
                    && head[3].startsWith(prefix)
                    && message.contains("this process is out of file descriptors")
                    && message.contains("'" + head[3] + "'") && message.contains(":" + head[2])
                    && !message.contains("unexpected failure");
            if (!clear && unclear++ == 0) {
                firstUnclear = f;
            }
        }
        if (unclear > 0) {
            problems.add(unclear + " unclear failures, first: " + firstUnclear);
        }
        String threw = value(out, "RELEASE_THREW");
        if (!threw.equals("0")) {
            problems.add(threw + " of " + acquired + " releases threw, first: "
                    + value(out, "RELEASE_ERROR"));
        }
        String after = value(out, "AFTER");
        if (!after.equals("true")) {
            problems.add("a new key could not be locked afterwards: " + after);
        }
        String start = value(out, "START_SOCKETS");
        String end = value(out, "END_SOCKETS");
        if (!start.equals(end)) {
            problems.add("sockets " + start + " at start, " + end + " at the end");
        }
        return problems;
    }

    /**
     * The value of the first {@code NAME value} line.
     *
     * @param out the output lines
     * @param name the name
     * @return the value, or {@code "(missing)"}
     */
    public static String value(List<String> out, String name) {
        return out.stream().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> l.substring(name.length() + 1)).orElse("(missing)");
    }

    /**
     * {@code s} on one line.
     *
     * @param s any text
     * @return the text with line breaks replaced by spaces
     */
    public static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }

    private static String tail(List<String> out) {
        return String.join(" / ", out.subList(Math.max(0, out.size() - 8), out.size()));
    }
}
