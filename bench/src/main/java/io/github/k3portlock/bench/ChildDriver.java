package io.github.k3portlock.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link Child}, started with this JVM's java binary and class path, and the
 * parent's side of its READY / GO / RESULT protocol. Not thread-safe: one harness thread drives it.
 */
final class ChildDriver implements AutoCloseable {
    /** Options of every child: small fixed heap, serial GC (no GC threads competing for 2 cores). */
    static final List<String> JVM_OPTIONS =
            List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-Xshare:auto");

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    /** Set by the pump once the child's stdout is closed and every line queued. */
    private volatile boolean eof;

    private ChildDriver(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(this::pump, name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts {@code java [options] -cp <this class path> Child args...}.
     *
     * @param name for messages
     * @param extraOptions JVM options added after {@link #JVM_OPTIONS}
     * @param args the child's arguments
     * @return the running child
     * @throws IOException if the JVM cannot be started
     */
    static ChildDriver start(String name, List<String> extraOptions, List<String> args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(extraOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Child.class.getName());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        return new ChildDriver(name, p);
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse(System.getProperty("java.home")
                + File.separator + "bin" + File.separator + "java");
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals("READY") || line.startsWith("RESULT")) {
                    lines.add(line);
                } else {
                    System.err.println("[" + name + "] " + line);
                }
            }
        } catch (IOException e) {
            System.err.println("[" + name + "] stdout: " + e);
        } finally {
            eof = true;
        }
    }

    /**
     * Waits for the child's {@code READY}.
     *
     * @param deadline how long at most
     * @throws IOException if the child dies or says something else
     * @throws InterruptedException if interrupted
     */
    void awaitReady(Duration deadline) throws IOException, InterruptedException {
        String line = next(deadline);
        if (!line.equals("READY")) {
            throw new IOException(name + ": expected READY, got " + line);
        }
    }

    /**
     * Opens the barrier: tells the child to start at {@code startNanos}.
     *
     * @param startNanos a {@code nanoTime()} instant, shared by all children of the run
     * @throws IOException if the child's stdin is closed
     */
    void go(long startNanos) throws IOException {
        send("GO " + startNanos);
    }

    /**
     * Sends one line to the child's stdin.
     *
     * @param line the line, without its end
     * @throws IOException if the child's stdin is closed
     */
    void send(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /**
     * Waits for the child's {@code RESULT} line and its exit.
     *
     * @param deadline how long at most
     * @return the numbers of the result line
     * @throws IOException if the child dies first or fails
     * @throws InterruptedException if interrupted
     */
    long[] awaitResult(Duration deadline) throws IOException, InterruptedException {
        String line = next(deadline);
        if (!line.startsWith("RESULT")) {
            throw new IOException(name + ": expected RESULT, got " + line);
        }
        String[] parts = line.substring("RESULT".length()).trim().split(" ");
        long[] values = new long[parts[0].isEmpty() ? 0 : parts.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException(name + ": did not exit after its result");
        }
        if (process.exitValue() != 0) {
            throw new IOException(name + ": exit status " + process.exitValue());
        }
        return values;
    }

    private String next(Duration deadline) throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                return line;
            }
            if (eof && lines.isEmpty()) {
                throw new IOException(name + ": exited with status " + process.waitFor()
                        + " (see its stderr above)");
            }
            if (System.nanoTime() - end > 0) {
                throw new IOException(name + ": no answer within " + deadline);
            }
        }
    }

    /** Kills the child if it still runs, and waits for it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
