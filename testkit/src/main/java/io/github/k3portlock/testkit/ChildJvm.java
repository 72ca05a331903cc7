package io.github.k3portlock.testkit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.opentest4j.AssertionFailedError;

/**
 * Starts child JVMs with this test's class path, for cross-process tests, and reads their output
 * with a deadline.
 *
 * <p>Children start with flags that make them start fast and small (serial GC, C1 only, 64 MB
 * heap); their standard error is inherited so that a crash shows in the build log.
 */
public final class ChildJvm {
    private static final Map<Process, BufferedReader> READERS = new WeakHashMap<>();

    private ChildJvm() {
    }

    /**
     * Starts {@code main} in a new JVM.
     *
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the started process
     * @throws IOException if it cannot start
     */
    public static Process start(Class<?> main, String... args) throws IOException {
        return new ProcessBuilder(command(List.of(), main, args))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * Starts {@code main} in a new JVM under a real descriptor limit ({@code ulimit -n}), through
     * {@code sh -c 'ulimit -n N; exec java …'}: nothing in the child is warmed up before the limit.
     *
     * @param maxFds the soft and hard limit on open descriptors
     * @param main the class whose {@code main} runs
     * @param args its arguments
     * @return the started process
     * @throws IOException if it cannot start
     */
    public static Process startWithFdLimit(int maxFds, Class<?> main, String... args)
            throws IOException {
        StringBuilder sh = new StringBuilder("ulimit -n ").append(maxFds).append(" && exec");
        for (String word : command(List.of(), main, args)) {
            sh.append(" '").append(word.replace("'", "'\\''")).append('\'');
        }
        return new ProcessBuilder("sh", "-c", sh.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * The command line that runs {@code main} in a new JVM with this JVM's class path.
     *
     * @param jvmOptions extra JVM options, before the class name
     * @param main the main class
     * @param args its arguments
     * @return the command
     */
    public static List<String> command(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java"));
        cmd.add("-Xmx64m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Reads the child's standard output up to the first line starting with {@code prefix}.
     *
     * @param p the child
     * @param prefix what the awaited line starts with
     * @param patience the deadline
     * @return the whole line
     * @throws AssertionFailedError if the deadline passes or the output ends first
     */
    public static String awaitLine(Process p, String prefix, Duration patience) {
        BufferedReader in = reader(p);
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = in.readLine()) != null; ) {
                    if (l.startsWith(prefix)) {
                        return l;
                    }
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            String l = line.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            if (l == null) {
                throw new AssertionFailedError("child " + p.pid() + " ended its output before a line "
                        + "starting with '" + prefix + "'");
            }
            return l;
        } catch (TimeoutException e) {
            throw new AssertionFailedError("no line starting with '" + prefix + "' from child "
                    + p.pid() + " within " + patience);
        } catch (ExecutionException e) {
            throw new AssertionFailedError("reading child " + p.pid(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted", e);
        }
    }

    /**
     * {@link #awaitLine(Process, String, Duration)} with {@link Await#PATIENCE}.
     *
     * @param p the child
     * @param prefix what the awaited line starts with
     * @return the whole line
     */
    public static String awaitLine(Process p, String prefix) {
        return awaitLine(p, prefix, Await.PATIENCE);
    }

    /**
     * Writes one line to the child's standard input.
     *
     * @param p the child
     * @param line the line (a newline is added)
     */
    public static void send(Process p, String line) {
        try {
            p.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for the child to exit.
     *
     * @param p the child
     * @param patience the deadline
     * @return its exit code
     * @throws AssertionFailedError if it is still running at the deadline (it is then killed)
     */
    public static int awaitExit(Process p, Duration patience) {
        try {
            if (!p.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionFailedError("child " + p.pid() + " still running after " + patience);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted", e);
        }
    }

    private static BufferedReader reader(Process p) {
        synchronized (READERS) {
            return READERS.computeIfAbsent(p, k -> new BufferedReader(
                    new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8)));
        }
    }
}
