package io.github.k3portlock.bench;

import io.github.k3portlock.bench.Mutex.Kind;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@link Harness}'s command line, parsed: which measurements to run and their parameters
 * (see the class comment of {@link Harness} for the syntax). The defaults make a full run;
 * {@code --quick} shrinks every parameter for a smoke run.
 */
final class HarnessOptions {
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

    final Set<String> commands = new LinkedHashSet<>();
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

    static HarnessOptions parse(String... args) {
        HarnessOptions o = new HarnessOptions();
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
                            + "'; usage: [all|handoff|contended|waiting] [--quick]"
                            + " [--window-ms W] [--rounds N] [--warmup-rounds N] [--seconds S]"
                            + " [--k 2,4,8]"
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
