package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A smoke run of the cross-process harness with its {@code --quick} parameters: real child JVMs,
 * a few rounds, a fraction of a second of contention. It checks the protocol and the tables,
 * not speed (speed is what the harness itself reports).
 */
class HarnessTest {

    @Test
    void quickHandoffMeasuresEveryRoundInThreadsAndProcesses() throws Exception {
        HarnessOptions o = HarnessOptions.parse("--quick");
        String table = Harness.handoff(o);
        Matcher m = Pattern.compile("\\| (threads of one JVM|processes) \\| [^|]+ \\| ([0-9.]+) "
                + "(µs|ms) \\|.* \\| (\\d+) \\|").matcher(table);
        int rows = 0;
        while (m.find()) {
            rows++;
            assertEquals(o.rounds, Integer.parseInt(m.group(4)), table);
            assertTrue(Double.parseDouble(m.group(2)) >= 0, table);
        }
        assertEquals(o.threadKinds.size() + o.processKinds.size(), rows, table);
    }

    @Test
    void quickContentionCountsSectionsOfEveryProcessAndKeepsThemExclusive() throws Exception {
        HarnessOptions o = HarnessOptions.parse("--quick");
        // contended() throws if any two sections overlapped
        String table = Harness.contended(o);
        Matcher m = Pattern.compile(
                "\\| [^|]+ \\| (\\d+) \\| [^|]+ \\| ([0-9,]+) \\| ([0-9.]+) \\|").matcher(table);
        int rows = 0;
        while (m.find()) {
            rows++;
            assertTrue(Long.parseLong(m.group(2).replace(",", "")) > 0, table);
            double jain = Double.parseDouble(m.group(3));
            int k = Integer.parseInt(m.group(1));
            assertTrue(jain >= 1.0 / k - 1e-9 && jain <= 1.0 + 1e-9, table);
        }
        assertEquals(o.contendedKinds.size() * o.ks.length * o.holdsMicros.length, rows, table);
        assertTrue(Arrays.stream(o.ks).allMatch(k -> table.contains("| " + k + " |")), table);
    }

    @Test
    void quickWaitingCountsEveryWaiterAndGetsEverySocketBack() throws Exception {
        HarnessOptions o = HarnessOptions.parse("--quick");
        // waiting() throws if a socket descriptor stays open after the waiters are cancelled
        String table = Harness.waiting(o);
        Matcher m = Pattern.compile("\\| ([0-9,]+) \\| ([0-9,]+) \\(\\d+ held\\) \\| [^|]+ \\| "
                + "([0-9,]+) \\|").matcher(table);
        int rows = 0;
        while (m.find()) {
            HarnessOptions.WaitScenario w = o.waitScenarios.get(rows++);
            assertEquals(w.waiters, Integer.parseInt(m.group(1).replace(",", "")), table);
            assertEquals(w.waiters, Integer.parseInt(m.group(3).replace(",", "")),
                    "every waiter must still wait on a held key: " + table);
        }
        assertEquals(o.waitScenarios.size(), rows, table);
    }
}
