package io.github.k3portlock.testkit;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.spi.ToolProvider;
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
        return new ProcessBuilder(underFdLimit(maxFds, command(List.of(), main, args)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /**
     * Wraps a command so that it runs under a descriptor limit:
     * {@code sh -c 'ulimit -n N && exec "$0" "$@"' COMMAND...}.
     *
     * @param maxFds the soft and hard limit on open descriptors
     * @param command the command
     * @return the wrapped command
     */
    public static List<String> underFdLimit(int maxFds, List<String> command) {
        List<String> sh = new ArrayList<>(List.of("sh", "-c",
                "ulimit -n " + maxFds + " && exec \"$0\" \"$@\""));
        sh.addAll(command);
        return sh;
    }

    /**
     * Runs {@code main} to completion in a fresh JVM under {@code ulimit -n maxFds}, with its
     * standard input closed, and returns its output: the lines of standard output and standard
     * error (merged), then a last line {@code EXIT <status>}.
     *
     * @param maxFds the descriptor limit
     * @param classPath the child's class path (see {@link #jarredClassPath(Path)})
     * @param main the main class
     * @param args its arguments
     * @return the output lines and the exit line
     * @throws IOException if it cannot start
     * @throws AssertionFailedError if it does not exit within a minute of closing its output
     */
    public static List<String> runWithFdLimit(int maxFds, String classPath, Class<?> main,
            String... args) throws IOException {
        Process p = new ProcessBuilder(underFdLimit(maxFds, command(classPath, List.of(), main,
                args))).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] bytes = p.getInputStream().readAllBytes(); // until the child exits
        int exit = awaitExit(p, Duration.ofSeconds(60));
        List<String> lines = new ArrayList<>(new String(bytes, StandardCharsets.UTF_8).lines()
                .toList());
        lines.add("EXIT " + exit);
        return lines;
    }

    /**
     * This JVM's class path with every directory packed into a jar in {@code dir}: a child that
     * loads classes from a jar opens it once, where a directory costs a descriptor per class
     * (which matters under a descriptor limit).
     *
     * @param dir where the jars go (a test's temporary directory)
     * @return the class path
     * @throws IOException if a jar cannot be written
     */
    public static String jarredClassPath(Path dir) throws IOException {
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow();
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e);
            if (Files.isDirectory(p)) {
                Path j = dir.resolve("cp" + n++ + ".jar");
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                PrintStream quiet =
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
                int rc = jar.run(quiet,
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        "cf", j.toString(), "-C", p.toString(), ".");
                if (rc != 0) {
                    throw new IOException(
                            "jar failed (" + rc + "): " + err.toString(StandardCharsets.UTF_8));
                }
                entries.add(j.toString());
            } else {
                entries.add(e);
            }
        }
        return String.join(File.pathSeparator, entries);
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
        return command(System.getProperty("java.class.path"), jvmOptions, main, args);
    }

    /**
     * The command line that runs {@code main} in a new JVM with the given class path.
     *
     * @param classPath the class path (see {@link #jarredClassPath(Path)})
     * @param jvmOptions extra JVM options, before the class name
     * @param main the main class
     * @param args its arguments
     * @return the command
     */
    public static List<String> command(String classPath, List<String> jvmOptions, Class<?> main,
            String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator
                        + "java"));
        cmd.add("-Xmx64m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Reads the child's standard output up to the first line starting with {@code prefix} (the
     * empty prefix: the next line).
     *
     * @param p the child
     * @param prefix what the awaited line starts with
     * @param patience the deadline
     * @return the whole line
     * @throws AssertionFailedError if the deadline passes or the output ends first
     */
    public static String awaitLine(Process p, String prefix, Duration patience) {
        return awaitLine(p, "a line starting with '" + prefix + "'", l -> l.startsWith(prefix),
                patience);
    }

    /**
     * Reads the child's standard output up to the first line that {@code wanted} accepts; the
     * lines before it are consumed. All readers of one child share one buffered reader, so
     * successive calls see successive lines.
     *
     * @param p the child
     * @param what what is awaited, for the failure message
     * @param wanted which line
     * @param patience the deadline
     * @return the line
     * @throws AssertionFailedError if the deadline passes or the output ends first
     */
    public static String awaitLine(Process p, String what, Predicate<String> wanted,
            Duration patience) {
        BufferedReader in = reader(p);
        CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
            try {
                for (String l; (l = in.readLine()) != null; ) {
                    if (wanted.test(l)) {
                        return l;
                    }
                }
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, ChildJvm::readOnOwnThread);
        try {
            String l = line.get(patience.toMillis(), TimeUnit.MILLISECONDS);
            if (l == null) {
                throw new AssertionFailedError("child " + p.pid() + " ended its output before "
                        + what);
            }
            return l;
        } catch (TimeoutException e) {
            line.cancel(true);
            throw new AssertionFailedError("no " + what + " from child " + p.pid() + " within "
                    + patience);
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
                throw new AssertionFailedError(
                        "child " + p.pid() + " still running after " + patience);
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionFailedError("interrupted", e);
        }
    }

    /** Blocking reads get a daemon thread each, not one of the common pool's (one on 2 cores). */
    private static void readOnOwnThread(Runnable read) {
        Thread t = new Thread(read, "child-jvm-output");
        t.setDaemon(true);
        t.start();
    }

    private static BufferedReader reader(Process p) {
        synchronized (READERS) {
            return READERS.computeIfAbsent(p, k -> new BufferedReader(
                    new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8)));
        }
    }
}
