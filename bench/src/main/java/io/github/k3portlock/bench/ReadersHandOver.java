package io.github.k3portlock.bench;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.AsyncPortlock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Hand-over from a writer to waiting readers across processes: the writer (this JVM) holds the
 * key exclusively while {@code R} reader JVMs wait for it shared; it releases, and each reader
 * notes when it got in ({@code System.nanoTime()}, one clock for every process of the host). Per
 * round: the first reader's and the last reader's delay after the release. Beside
 * {@code FileChannel.lock(0, MAX, shared = true)} readers behind an exclusive {@code FileLock}.
 * Prints a Markdown table on stdout.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.k3portlock.bench.ReadersHandOver \
 *     [readers] [rounds]
 * </pre>
 */
public final class ReadersHandOver {
    /** What the readers wait with. */
    enum Kind { FILELOCK, PORTLOCK, ASYNC }

    private ReadersHandOver() {
    }

    /**
     * Runs the measurement, or (with {@code child KIND KEY FILE}) one reader.
     *
     * @param args {@code [readers] [rounds]}, or a child's arguments
     * @throws Exception if a child fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("child")) {
            child(Kind.valueOf(args[1]), args[2], Path.of(args[3]));
            return;
        }
        int readers = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        System.out.println(
                "| readers wait with | readers | first in p50 | all in p50 | all in p99 |");
        System.out.println("|---|---|---|---|---|");
        for (Kind kind : Kind.values()) {
            long[][] r = measure(kind, readers, rounds);
            System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", kind, readers,
                    us(r[0], 0.50), us(r[1], 0.50), us(r[1], 0.99));
        }
    }

    private static long[][] measure(Kind kind, int readers, int rounds) throws Exception {
        String key = "readers-handover-" + UUID.randomUUID();
        Path file = Files.createTempFile("readers-handover", ".lock");
        List<Process> children = new ArrayList<>();
        List<BufferedReader> outs = new ArrayList<>();
        List<Writer> ins = new ArrayList<>();
        String cp = System.getProperty("java.class.path");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int i = 0; i < readers; i++) {
            Process p = new ProcessBuilder(java, "-cp", cp, ReadersHandOver.class.getName(),
                    "child", kind.name(), key, file.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            children.add(p);
            outs.add(new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8)));
            ins.add(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        }
        int warmup = 20;
        long[] first = new long[rounds];
        long[] all = new long[rounds];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (int round = -warmup; round < rounds; round++) {
                FileLock fileLock = null;
                Portlock writer = null;
                if (kind == Kind.FILELOCK) {
                    fileLock = ch.lock();
                } else {
                    writer = new Portlock(key, Duration.ofSeconds(30));
                    writer.acquire();
                }
                for (Writer in : ins) {
                    in.write("go\n");
                    in.flush();
                }
                for (BufferedReader out : outs) {
                    out.readLine(); // "waiting": about to block on the lock
                }
                TimeUnit.MILLISECONDS.sleep(20); // let every reader block
                long t0 = System.nanoTime();
                if (fileLock != null) {
                    fileLock.release();
                } else {
                    writer.release();
                }
                long min = Long.MAX_VALUE;
                long max = Long.MIN_VALUE;
                for (BufferedReader out : outs) {
                    long in = Long.parseLong(out.readLine()) - t0;
                    min = Math.min(min, in);
                    max = Math.max(max, in);
                }
                if (round >= 0) {
                    first[round] = min;
                    all[round] = max;
                }
            }
        } finally {
            for (Writer in : ins) {
                in.close(); // end of input: the child exits
            }
            for (Process p : children) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(file);
        }
        return new long[][] {first, all};
    }

    /** One reader: on each "go", waits for the key shared, notes the time, lets it go. */
    private static void child(Kind kind, String key, Path file) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
                StandardCharsets.UTF_8));
        PrintStream out = System.out;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             Portlock reader = Portlock.builder(key).mode(LockMode.SHARED)
                     .timeout(Duration.ofSeconds(30)).build()) {
            while (in.readLine() != null) {
                out.println("waiting");
                out.flush();
                long t;
                switch (kind) {
                    case FILELOCK -> {
                        FileLock l = ch.lock(0, Long.MAX_VALUE, true);
                        t = System.nanoTime();
                        l.release();
                    }
                    case PORTLOCK -> {
                        reader.acquire();
                        t = System.nanoTime();
                        reader.release();
                    }
                    default -> {
                        LockHandle h = AsyncPortlock.create()
                                .acquire(key, LockMode.SHARED, Duration.ofSeconds(30)).join();
                        t = System.nanoTime();
                        h.release();
                    }
                }
                out.println(t);
                out.flush();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String us(long[] nanos, double q) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        long v = s[Math.min(s.length - 1, (int) Math.floor(q * s.length))];
        return v >= 1_000_000 ? String.format(Locale.ROOT, "%.2f ms", v / 1e6)
                : String.format(Locale.ROOT, "%d µs", v / 1000);
    }
}
