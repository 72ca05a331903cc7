package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.ChildJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fair hand-over across processes through {@link AsyncPortlock}: K child JVMs loop acquire /
 * busy-hold 1 ms / release on one key for 3 s, and every one of them gets a fair part (before
 * the hand-over the worst of four got 2 % of the sections). The bound is generous (a quarter of
 * the fair share) so that a loaded 2-core machine cannot flake it; the benchmark measures the
 * tight figures.
 */
class AsyncFairnessTest {
    private static final long DURATION_MS = 3_000;
    private static final long HOLD_MICROS = 1_000;

    @ParameterizedTest(name = "K = {0}")
    @ValueSource(ints = {2, 4})
    void everyProcessGetsAtLeastAQuarterOfItsShare(int k) throws Exception {
        String key = FutureFixtures.key();
        List<Process> children = new ArrayList<>();
        try {
            for (int i = 0; i < k; i++) {
                children.add(ChildJvm.start(AsyncFairnessChild.class, key,
                        String.valueOf(DURATION_MS), String.valueOf(HOLD_MICROS)));
            }
            for (Process p : children) {
                ChildJvm.awaitLine(p, "READY", Duration.ofSeconds(60));
            }
            for (Process p : children) {
                ChildJvm.send(p, "GO");
            }
            long[] sections = new long[k];
            for (int i = 0; i < k; i++) {
                String line = ChildJvm.awaitLine(children.get(i), "SECTIONS ",
                        Duration.ofSeconds(120));
                sections[i] = Long.parseLong(line.substring("SECTIONS ".length()).trim());
            }
            long total = Arrays.stream(sections).sum();
            System.out.printf("[async fairness] K=%d, 1 ms hold, 3 s: sections per process %s%n",
                    k, Arrays.toString(sections));
            assertTrue(total >= k, "hardly any section at all: " + Arrays.toString(sections));
            for (int i = 0; i < k; i++) {
                assertTrue(sections[i] * k * 4 >= total, "process " + i + " got " + sections[i]
                        + " of " + total + " sections, under a quarter of its share: "
                        + Arrays.toString(sections));
            }
            for (Process p : children) {
                ChildJvm.awaitExit(p, Await.PATIENCE);
            }
        } finally {
            children.forEach(Process::destroyForcibly);
        }
    }
}
