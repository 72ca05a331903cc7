package io.github.k3portlock.bench;

import io.github.k3portlock.Portlock;
import io.github.k3portlock.bench.Mutex.Kind;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The main class of the harness's child JVMs. Protocol on stdin/stdout: the child sets up and
 * warms up, prints {@code READY}, waits for a {@code GO <startNanos>} line (the start barrier),
 * runs, and prints one {@code RESULT <numbers...>} line. Anything else it prints is diagnostics.
 *
 * <pre>
 * handoff         KIND KEY LOCKFILE SHAREDFILE PARTICIPANT WARMUP ROUNDS SEED
 * handoff-threads KIND KEY LOCKFILE SHAREDFILE WARMUP ROUNDS SEED
 * contend         KIND KEY LOCKFILE SHAREDFILE ID DURATION_MS HOLD_MICROS
 * hold            KEYSFILE                  (holds every key until a STOP line)
 * waiting         MODE KEYSFILE N SETTLE_MS WINDOW_MS
 * </pre>
 */
public final class Child {
    /** Uncontended lock/unlock rounds on a private key before READY, so the JIT has compiled. */
    static final int WARMUP_OPS = 5_000;

    private Child() {
    }

    /**
     * Runs one child role.
     *
     * @param args the role and its arguments (see the class comment)
     * @throws Exception on any failure; the parent then reports the child's exit status
     */
    public static void main(String[] args) throws Exception {
        String role = args[0];
        BufferedReader in = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (role.equals("hold")) {
            hold(Files.readAllLines(Path.of(args[1])), in);
            return;
        }
        if (role.equals("waiting")) {
            WaitCostBench.Mode mode = WaitCostBench.Mode.of(args[1]);
            List<String> keys = Files.readAllLines(Path.of(args[2]));
            int n = Integer.parseInt(args[3]);
            Duration settle = Duration.ofMillis(Long.parseLong(args[4]));
            Duration window = Duration.ofMillis(Long.parseLong(args[5]));
            System.out.println("READY");
            System.out.flush();
            awaitGo(in);
            result(WaitCostBench.measure(mode, keys, n, settle, window));
            return;
        }
        Kind kind = Kind.of(args[1]);
        String key = args[2];
        Path lockFile = Path.of(args[3]);
        Path sharedFile = Path.of(args[4]);
        try (Shared shared = Shared.map(sharedFile)) {
            switch (role) {
                case "handoff": {
                    int me = Integer.parseInt(args[5]);
                    int warmup = Integer.parseInt(args[6]);
                    int rounds = Integer.parseInt(args[7]);
                    long seed = Long.parseLong(args[8]);
                    Mutex m = Mutex.create(kind, key, lockFile, 1).get(0);
                    warmUp(kind, key, lockFile, me);
                    awaitGo(in);
                    result(Scenarios.handoff(m, shared, me, warmup, rounds, seed));
                    m.close();
                    break;
                }
                case "handoff-threads": {
                    int warmup = Integer.parseInt(args[5]);
                    int rounds = Integer.parseInt(args[6]);
                    long seed = Long.parseLong(args[7]);
                    List<Mutex> ms = Mutex.create(kind, key, lockFile, 2);
                    warmUp(kind, key, lockFile, 0);
                    awaitGo(in);
                    ExecutorService pool = Executors.newFixedThreadPool(2);
                    try {
                        Future<long[]> a = pool.submit(
                                () -> Scenarios.handoff(ms.get(0), shared, 0, warmup, rounds, seed));
                        Future<long[]> b = pool.submit(() -> Scenarios.handoff(ms.get(1), shared, 1,
                                warmup, rounds, seed + 1));
                        long[] x = a.get();
                        long[] y = b.get();
                        long[] all = new long[x.length + y.length];
                        System.arraycopy(x, 0, all, 0, x.length);
                        System.arraycopy(y, 0, all, x.length, y.length);
                        result(all);
                    } finally {
                        pool.shutdownNow();
                    }
                    for (Mutex m : ms) {
                        m.close();
                    }
                    break;
                }
                case "contend": {
                    int id = Integer.parseInt(args[5]);
                    long durationNanos = Long.parseLong(args[6]) * 1_000_000L;
                    long holdNanos = Long.parseLong(args[7]) * 1_000L;
                    Mutex m = Mutex.create(kind, key, lockFile, 1).get(0);
                    warmUp(kind, key, lockFile, id);
                    long start = awaitGo(in);
                    result(Scenarios.contend(m, shared, id, start, durationNanos, holdNanos));
                    m.close();
                    break;
                }
                default:
                    throw new IllegalArgumentException("unknown role " + role);
            }
        }
    }

    /** Holds every key it can take until told to stop; the result is how many it held. */
    private static void hold(List<String> keys, BufferedReader in) throws Exception {
        List<Portlock> held = new ArrayList<>();
        for (String key : keys) {
            Portlock lock = new Portlock(key, Duration.ZERO);
            if (lock.tryLock()) {
                held.add(lock);
            }
        }
        System.out.println("READY");
        System.out.flush();
        awaitGo(in);
        String line = in.readLine();
        if (!"STOP".equals(line)) {
            throw new IllegalStateException("expected STOP, got " + line);
        }
        for (Portlock lock : held) {
            lock.release();
        }
        result(new long[] {held.size()});
    }

    /** Runs the kind's uncontended path on a private key or file until the JIT has compiled it. */
    private static void warmUp(Kind kind, String key, Path lockFile, int id) throws Exception {
        Path file = Path.of(lockFile + ".warmup-" + id);
        try {
            for (Mutex m : Mutex.create(kind, key + "-warmup-" + id, file, 1)) {
                try (m) {
                    long end = System.nanoTime() + 3_000_000_000L; // bounded if the key is busy
                    for (int i = 0; i < WARMUP_OPS && System.nanoTime() - end < 0; i++) {
                        m.lock();
                        m.unlock();
                    }
                }
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
        System.out.println("READY");
        System.out.flush();
    }

    private static long awaitGo(BufferedReader in) throws java.io.IOException {
        String line = in.readLine();
        if (line == null || !line.startsWith("GO ")) {
            throw new IllegalStateException("expected 'GO <startNanos>', got " + line);
        }
        return Long.parseLong(line.substring(3).trim());
    }

    private static void result(long[] values) {
        StringJoiner j = new StringJoiner(" ", "RESULT ", "");
        for (long v : values) {
            j.add(Long.toString(v));
        }
        System.out.println(j);
        System.out.flush();
    }
}
