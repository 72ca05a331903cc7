package io.github.k3portlock.examples;

import io.github.k3portlock.Portlock;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The main demo: several JVMs increment one counter file under the lock, then a second run waits
 * while another process holds the key.
 *
 * <p>Run: {@code java -jar examples/target/k3portlock-examples.jar [workers] [sections] [key]}
 * (defaults: 4 workers, 500 sections each, a fresh key).
 */
public final class CrossProcess {
    private CrossProcess() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(args[1], Integer.parseInt(args[2]), Path.of(args[3]));
            return;
        }
        if (args.length > 0 && args[0].equals("holder")) {
            holder(args[1], Long.parseLong(args[2]));
            return;
        }
        int workers = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int sections = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        String key = args.length > 2 ? args[2] : "k3portlock-demo-" + UUID.randomUUID();
        System.exit(run(System.out, workers, sections, key) ? 0 : 1);
    }

    /** Runs the demo; returns whether the counter came out exact. */
    static boolean run(PrintStream out, int workers, int sections, String key) throws Exception {
        Path dir = Files.createTempDirectory("k3portlock-demo");
        Path counter = dir.resolve("counter");
        Files.writeString(counter, "0");
        Portlock probe = new Portlock(key);
        out.printf("key '%s' -> %s%n", key, probe.lockPorts());
        out.printf("starting %d worker JVMs, %d locked increments each%n", workers, sections);

        long t0 = System.nanoTime();
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            procs.add(jvm("worker", key, String.valueOf(sections), counter.toString()));
        }
        for (Process p : procs) {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("worker " + p.pid() + " failed");
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long total = Long.parseLong(Files.readString(counter).trim());
        long expected = (long) workers * sections;
        out.printf("total: %d, expected: %d%n", total, expected);
        out.printf("time: %.2f s, acquisitions/s: %.0f (including JVM start-up)%n",
                secs, expected / secs);

        // Second run: another process holds the key for a while; we wait for it.
        Process holder = jvm("holder", key, "1000");
        try {
            BufferedReader r = new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String held = r.readLine();
            if (held == null || !held.startsWith("HELD")) {
                throw new IllegalStateException("holder did not take the lock: " + held);
            }
            Portlock lock = new Portlock(key, Duration.ofSeconds(30));
            out.printf("another process (pid %d) holds '%s'; waiting...%n", holder.pid(), key);
            long w0 = System.nanoTime();
            lock.acquire();
            out.printf("acquired after %d ms, when the other process released it%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w0));
            lock.release();
            holder.waitFor(30, TimeUnit.SECONDS);
        } finally {
            holder.destroyForcibly();
        }
        Files.deleteIfExists(counter);
        Files.deleteIfExists(dir);
        return total == expected;
    }

    private static Process jvm(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(
                System.getProperty("java.home") + File.separator + "bin" + File.separator
                        + "java"));
        cmd.add("-Xmx32m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(CrossProcess.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static void worker(String key, int sections, Path counter) throws IOException {
        Portlock lock = new Portlock(key, Duration.ofSeconds(60), Duration.ofMillis(1));
        for (int i = 0; i < sections; i++) {
            lock.acquire();
            try {
                long v = Long.parseLong(Files.readString(counter).trim());
                Files.writeString(counter, Long.toString(v + 1));
            } finally {
                lock.release();
            }
        }
    }

    private static void holder(String key, long millis) throws InterruptedException {
        try (Portlock lock = new Portlock(key, Duration.ofSeconds(30))) {
            lock.acquire();
            System.out.println("HELD");
            System.out.flush();
            Thread.sleep(millis); // the other process's work
        }
    }
}
