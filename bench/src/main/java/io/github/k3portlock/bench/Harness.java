package io.github.k3portlock.bench;

import io.github.k3portlock.bench.Mutex.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The cross-process harness: handoff latency, contended throughput and fairness, and the cost of
 * waiting, measured in child JVMs that start together behind a barrier, each figure beside its
 * baseline ({@code FileChannel} locks, polling, a thread per waiter). Prints Markdown tables on
 * stdout and progress on stderr. With no command it runs all three.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.github.k3portlock.bench.Harness [all|handoff|contended|waiting...]
 *      [--quick] [--rounds N] [--warmup-rounds N] [--seconds S] [--k 2,4,8] [--hold-us 0,1000]
 *      [--thread-kinds K,..] [--process-kinds K,..] [--contended-kinds K,..]
 * </pre>
 */
public final class Harness {
    private Harness() {
    }

    /** One waiting-cost run: {@code waiters} waiting in {@code mode} over {@code keys} keys. */
    static final class WaitScenario {
        final WaitCostBench.Mode mode;
        final int keys;
        final int waiters;

        WaitScenario(WaitCostBench.Mode mode, int keys, int waiters) {
            this.mode = mode;
            this.keys = keys;
            this.waiters = waiters;
        }
    }

    /** Parsed command line. */
    static final class Options {
        final java.util.Set<String> commands = new java.util.LinkedHashSet<>();
        int rounds = 400;
        int warmupRounds = 20;
        double seconds = 3;
        int[] ks = {2, 4, 8};
        long[] holdsMicros = {0, 1000};
        List<Kind> threadKinds =
                List.of(Kind.ASYNC, Kind.ASYNC_DIRECT, Kind.PORTLOCK_SHARED, Kind.PORTLOCK,
                        Kind.REENTRANTLOCK);
        List<Kind> processKinds = List.of(Kind.ASYNC, Kind.PORTLOCK, Kind.PORTLOCK_1MS,
                Kind.FILELOCK, Kind.FILEPOLL);
        List<Kind> contendedKinds =
                List.of(Kind.ASYNC, Kind.PORTLOCK, Kind.PORTLOCK_1MS, Kind.FILELOCK);
        /** Waiting-cost scenarios: mode, number of keys, number of waiters. */
        List<WaitScenario> waitScenarios = List.of(
                new WaitScenario(WaitCostBench.Mode.ASYNC, 1, 1),
                new WaitScenario(WaitCostBench.Mode.ASYNC, 1, 10_000),
                new WaitScenario(WaitCostBench.Mode.ASYNC, 1_000, 1_000),
                new WaitScenario(WaitCostBench.Mode.THREADS, 1, 1_000),
                new WaitScenario(WaitCostBench.Mode.THREADS, 1_000, 1_000));
        long settleMillis = 2_000;
        long windowMillis = 5_000;

        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "all":
                    case "handoff":
                    case "contended":
                    case "waiting":
                        o.commands.add(a);
                        break;
                    case "--quick":
                        o.rounds = 10;
                        o.warmupRounds = 2;
                        o.seconds = 0.3;
                        o.ks = new int[] {2};
                        o.holdsMicros = new long[] {1000};
                        o.threadKinds = List.of(Kind.ASYNC);
                        o.processKinds = List.of(Kind.ASYNC);
                        o.contendedKinds = List.of(Kind.ASYNC);
                        o.waitScenarios = List.of(new WaitScenario(WaitCostBench.Mode.ASYNC, 5, 50),
                                new WaitScenario(WaitCostBench.Mode.THREADS, 5, 20));
                        o.settleMillis = 100;
                        o.windowMillis = 300;
                        break;
                    case "--window-ms":
                        o.windowMillis = Long.parseLong(args[++i]);
                        break;
                    case "--rounds":
                        o.rounds = Integer.parseInt(args[++i]);
                        break;
                    case "--seconds":
                        o.seconds = Double.parseDouble(args[++i]);
                        break;
                    case "--k":
                        o.ks = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt)
                                .toArray();
                        break;
                    case "--thread-kinds":
                        o.threadKinds = kinds(args[++i]);
                        break;
                    case "--process-kinds":
                        o.processKinds = kinds(args[++i]);
                        break;
                    case "--contended-kinds":
                        o.contendedKinds = kinds(args[++i]);
                        break;
                    case "--warmup-rounds":
                        o.warmupRounds = Integer.parseInt(args[++i]);
                        break;
                    case "--hold-us":
                        o.holdsMicros = Arrays.stream(args[++i].split(","))
                                .mapToLong(Long::parseLong).toArray();
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument '" + a
                                + "'; usage: [all|handoff|contended|waiting] [--quick] [--window-ms W] [--rounds N]"
                                + " [--warmup-rounds N] [--seconds S] [--k 2,4,8]"
                                + " [--hold-us 0,1000] [--thread-kinds K,..]"
                                + " [--process-kinds K,..] [--contended-kinds K,..]; kinds: "
                                + Arrays.stream(Kind.values()).map(Kind::id).toList());
                }
            }
            if (o.commands.isEmpty() || o.commands.contains("all")) {
                o.commands.addAll(List.of("handoff", "contended", "waiting"));
            }
            return o;
        }

        boolean runs(String command) {
            return commands.contains(command);
        }

        private static List<Kind> kinds(String list) {
            return list.isEmpty() ? List.of()
                    : Arrays.stream(list.split(",")).map(Kind::of).toList();
        }
    }

    /**
     * Runs the harness.
     *
     * @param args see the class comment
     * @throws Exception if a child fails; the run is then void
     */
    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        System.out.println("# k3portlock cross-process harness");
        System.out.println();
        System.out.println("java " + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors() + " CPUs, child JVM options "
                + ChildDriver.JVM_OPTIONS + ", load average at start " + loadAverage());
        System.out.println();
        if (o.runs("handoff")) {
            System.out.print(handoff(o));
            System.out.println();
        }
        if (o.runs("contended")) {
            System.out.print(contended(o));
            System.out.println();
        }
        if (o.runs("waiting")) {
            System.out.print(waiting(o));
            System.out.println();
        }
        System.out.println("load average at end " + loadAverage());
    }

    /**
     * Measures handoff latency between two threads of one JVM and between two processes.
     *
     * @param o the options
     * @return a Markdown table
     * @throws Exception if a child fails
     */
    static String handoff(Options o) throws Exception {
        StringBuilder t = new StringBuilder();
        t.append("## Handoff latency: release -> the waiter's acquire returns\n\n");
        t.append(String.format("%d rounds after %d warm-up rounds; the holder releases 1-11 ms "
                + "(uniform) after the waiter started waiting.%n%n", o.rounds, o.warmupRounds));
        t.append("| between | lock | p50 | p90 | p99 | max | n |\n");
        t.append("|---|---|---:|---:|---:|---:|---:|\n");
        Path dir = Files.createTempDirectory("k3portlock-bench");
        try {
            int run = 0;
            for (Kind kind : o.threadKinds) {
                progress("handoff, 2 threads, " + kind.id());
                List<String> args = new ArrayList<>(common("handoff-threads", kind, dir, run++));
                args.addAll(List.of(String.valueOf(o.warmupRounds), String.valueOf(o.rounds),
                        String.valueOf(run)));
                long[] samples;
                try (ChildDriver c = ChildDriver.start("threads-" + kind.id(), List.of(), args)) {
                    c.awaitReady(Duration.ofSeconds(60));
                    c.go(System.nanoTime());
                    samples = c.awaitResult(resultDeadline(o));
                }
                row(t, "threads of one JVM", kind, samples);
            }
            for (Kind kind : o.processKinds) {
                progress("handoff, 2 processes, " + kind.id());
                List<String> base = common("handoff", kind, dir, run++);
                List<ChildDriver> children = new ArrayList<>();
                try {
                    for (int p = 0; p < 2; p++) {
                        List<String> args = new ArrayList<>(base);
                        args.addAll(List.of(String.valueOf(p), String.valueOf(o.warmupRounds),
                                String.valueOf(o.rounds), String.valueOf(run * 2L + p)));
                        children.add(ChildDriver.start("process" + p + "-" + kind.id(), List.of(),
                                args));
                    }
                    long[][] results = barrier(children, System.nanoTime(), resultDeadline(o));
                    row(t, "processes", kind, concat(results));
                } finally {
                    closeAll(children);
                }
            }
        } finally {
            deleteTree(dir);
        }
        return t.toString();
    }

    /**
     * Measures throughput and fairness of K processes contending for one lock.
     *
     * @param o the options
     * @return a Markdown table
     * @throws Exception if a child fails or mutual exclusion is violated
     */
    static String contended(Options o) throws Exception {
        StringBuilder t = new StringBuilder();
        t.append("## Contended throughput and fairness: K processes, one key\n\n");
        t.append(String.format("Each process loops lock / hold (busy) / unlock for %.1f s from a "
                + "common start instant. Jain's index: 1 = equal shares, 1/K = one process takes "
                + "all. Lock held %% = sections x hold / duration.%n%n", o.seconds));
        t.append("| lock | K | hold | sections/s | Jain | min..max share | lock held % |\n");
        t.append("|---|---:|---:|---:|---:|---|---:|\n");
        Path dir = Files.createTempDirectory("k3portlock-bench");
        long durationMillis = Math.round(o.seconds * 1000);
        try {
            int run = 0;
            for (long hold : o.holdsMicros) {
                for (Kind kind : o.contendedKinds) {
                    for (int k : o.ks) {
                        progress(String.format("contended, %s, K=%d, hold %d us", kind.id(), k,
                                hold));
                        List<String> base = common("contend", kind, dir, run++);
                        List<ChildDriver> children = new ArrayList<>();
                        long[][] results;
                        try {
                            for (int id = 0; id < k; id++) {
                                List<String> args = new ArrayList<>(base);
                                args.addAll(List.of(String.valueOf(id),
                                        String.valueOf(durationMillis), String.valueOf(hold)));
                                children.add(ChildDriver.start("contender" + id + "-" + kind.id(),
                                        List.of(), args));
                            }
                            results = barrier(children, -1,
                                    Duration.ofMillis(durationMillis).plusSeconds(150));
                        } finally {
                            closeAll(children);
                        }
                        long[] shares = new long[k];
                        long violations = 0;
                        for (int i = 0; i < k; i++) {
                            shares[i] = results[i][0];
                            violations += results[i][1];
                        }
                        if (violations != 0) {
                            throw new IllegalStateException(kind.id() + " K=" + k + ": "
                                    + violations + " sections overlapped: mutual exclusion broken");
                        }
                        long total = Arrays.stream(shares).sum();
                        double perSecond = total / (durationMillis / 1000.0);
                        double share = total == 0 ? 0 : 100.0 / total;
                        t.append(String.format(Locale.ROOT,
                                "| %s | %d | %s | %,.0f | %.3f | %.1f%%..%.1f%% | %s |%n",
                                kind.label(), k, hold == 0 ? "0" : (hold / 1000.0) + " ms",
                                perSecond, Stats.jain(shares),
                                Arrays.stream(shares).min().orElse(0) * share,
                                Arrays.stream(shares).max().orElse(0) * share,
                                hold == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%",
                                        100.0 * total * hold / (durationMillis * 1000.0))));
                    }
                }
            }
        } finally {
            deleteTree(dir);
        }
        return t.toString();
    }

    /**
     * Measures the CPU and memory of many waiters on keys held by another process.
     *
     * @param o the options
     * @return a Markdown table
     * @throws Exception if a child fails or leaks a descriptor
     */
    static String waiting(Options o) throws Exception {
        StringBuilder t = new StringBuilder();
        t.append("## Waiting cost: waiters on keys another process holds\n\n");
        t.append(String.format(Locale.ROOT, "The waiters start, settle for %.1f s, and the "
                + "waiting process's CPU time is taken over %.1f s; memory is heap after full GCs "
                + "and resident set size, both minus the figures before the waiters started.%n%n",
                o.settleMillis / 1000.0, o.windowMillis / 1000.0));
        t.append("| waiters | keys | how | still waiting | CPU (% of one core) "
                + "| CPU per waiter | heap per waiter | RSS per waiter | threads added |\n");
        t.append("|---:|---:|---|---:|---:|---:|---:|---:|---:|\n");
        Path dir = Files.createTempDirectory("k3portlock-bench");
        try {
            int run = 0;
            for (WaitScenario w : o.waitScenarios) {
                progress(String.format("waiting, %d %s waiters on %d keys", w.waiters,
                        w.mode.id(), w.keys));
                Path keysFile = dir.resolve("keys-" + run++);
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < w.keys; i++) {
                    keys.add(FreeKeys.fresh("bench-waiting").key());
                }
                Files.write(keysFile, keys);
                try (ChildDriver holder = ChildDriver.start("holder", List.of(),
                        List.of("hold", keysFile.toString()));
                     ChildDriver waiter = ChildDriver.start("waiter-" + w.mode.id(), List.of(),
                             List.of("waiting", w.mode.id(), keysFile.toString(),
                                     String.valueOf(w.waiters), String.valueOf(o.settleMillis),
                                     String.valueOf(o.windowMillis)))) {
                    holder.awaitReady(Duration.ofSeconds(60));
                    holder.go(0);
                    waiter.awaitReady(Duration.ofSeconds(60));
                    waiter.go(0);
                    long[] r = waiter.awaitResult(Duration.ofMillis(
                            o.settleMillis + o.windowMillis).plusSeconds(120));
                    holder.send("STOP");
                    long held = holder.awaitResult(Duration.ofSeconds(60))[0];
                    if (r[6] != 0) {
                        throw new IllegalStateException(w.mode.id() + ": " + r[6]
                                + " socket descriptors still open after cancelling the waiters");
                    }
                    double cpuShare = (double) r[1] / r[2];
                    t.append(String.format(Locale.ROOT,
                            "| %,d | %,d (%d held) | %s | %,d | %.1f%% | %.2f µs/s | %,d B | %,d B "
                                    + "| %d |%n",
                            w.waiters, w.keys, held, w.mode.label(), r[0], 100 * cpuShare,
                            cpuShare * 1e6 / w.waiters, r[3] / w.waiters, r[4] / w.waiters,
                            r[5]));
                }
            }
        } finally {
            deleteTree(dir);
        }
        return t.toString();
    }

    /**
     * Waits until every child is READY, opens the barrier, and collects every result.
     *
     * @param children the started children
     * @param startNanos the start instant to send, or -1 for 200 ms after the barrier opens
     * @param deadline how long to wait for results
     * @return each child's result, in order
     */
    private static long[][] barrier(List<ChildDriver> children, long startNanos, Duration deadline)
            throws IOException, InterruptedException {
        for (ChildDriver c : children) {
            c.awaitReady(Duration.ofSeconds(120));
        }
        long start = startNanos >= 0 ? startNanos : System.nanoTime() + 200_000_000L;
        for (ChildDriver c : children) {
            c.go(start);
        }
        long[][] results = new long[children.size()][];
        for (int i = 0; i < results.length; i++) {
            results[i] = children.get(i).awaitResult(deadline);
        }
        return results;
    }

    private static List<String> common(String role, Kind kind, Path dir, int run) {
        String key = FreeKeys.fresh("bench-" + role).key();
        return List.of(role, kind.id(), key, dir.resolve("lock-" + run).toString(),
                dir.resolve("shared-" + run).toString());
    }

    private static Duration resultDeadline(Options o) {
        return Duration.ofSeconds(120).plusMillis(60L * (o.rounds + o.warmupRounds));
    }

    private static void row(StringBuilder t, String between, Kind kind, long[] samples) {
        t.append(String.format("| %s | %s | %s | %s | %s | %s | %d |%n", between, kind.label(),
                Stats.time(Stats.quantile(samples, 0.50)), Stats.time(Stats.quantile(samples, 0.90)),
                Stats.time(Stats.quantile(samples, 0.99)), Stats.time(Stats.quantile(samples, 1.0)),
                samples.length));
    }

    private static long[] concat(long[][] parts) {
        return Arrays.stream(parts).flatMapToLong(Arrays::stream).toArray();
    }

    private static void closeAll(List<ChildDriver> children) {
        for (ChildDriver c : children) {
            c.close();
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static void progress(String what) {
        System.err.println("[harness] " + what + " (load " + loadAverage() + ")");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
