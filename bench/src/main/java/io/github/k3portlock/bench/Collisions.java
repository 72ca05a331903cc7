package io.github.k3portlock.bench;

import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * False contention between distinct keys as a function of how many keys one JVM holds at once:
 * holds N fresh keys with {@code tryLock}, counts those that could not be taken, releases all.
 *
 * <pre>java -cp bench/target/benchmarks.jar io.github.k3portlock.bench.Collisions [N ...]</pre>
 *
 * Each N is run {@value #ROUNDS} times with fresh keys; the table gives each round's rate. Holding
 * N keys needs 2N sockets: the process's descriptor limit must allow it.
 */
public final class Collisions {
    static final int ROUNDS = 3;

    private Collisions() {
    }

    /**
     * Holds {@code n} fresh keys at once.
     *
     * @param n how many keys
     * @param scheme the scheme
     * @return how many could not be taken
     */
    static int missedHoldingAtOnce(int n, PortScheme scheme) {
        List<Portlock> held = new ArrayList<>(n);
        int missed = 0;
        try {
            for (int i = 0; i < n; i++) {
                Portlock lock = Portlock.builder("collide-" + UUID.randomUUID())
                        .scheme(scheme)
                        .build();
                if (lock.tryLock()) {
                    held.add(lock);
                } else {
                    missed++;
                }
            }
        } finally {
            held.forEach(Portlock::release);
        }
        return missed;
    }

    /**
     * Prints the curve.
     *
     * @param args the values of N (default 250 500 1000 2000 3000 4000 5000 6000 8000)
     */
    public static void main(String[] args) {
        int[] ns = args.length == 0 ? new int[] {250, 500, 1000, 2000, 3000, 4000, 5000, 6000, 8000}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        PortScheme wide = PortScheme.builder().wideLoopback(true).build();
        System.out.println("| keys held at once | default 127.0.0.1: missed % per round"
                + " | wide loopback: missed % per round |");
        System.out.println("|---:|---|---|");
        for (int n : ns) {
            StringBuilder d = new StringBuilder();
            StringBuilder w = new StringBuilder();
            for (int r = 0; r < ROUNDS; r++) {
                String sep = r == 0 ? "" : ", ";
                d.append(String.format("%s%.1f", sep,
                        100.0 * missedHoldingAtOnce(n, PortScheme.DEFAULT) / n));
                w.append(String.format("%s%.2f", sep, 100.0 * missedHoldingAtOnce(n, wide) / n));
            }
            System.out.println("| " + n + " | " + d + " | " + w + " |");
        }
    }
}
