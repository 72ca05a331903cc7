package io.github.k3portlock.cli;

import io.github.k3portlock.status.LockStatus;
import io.github.k3portlock.status.PortHolder;
import io.github.k3portlock.status.PortStatus;
import io.github.k3portlock.status.State;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Words for a {@link LockStatus}. Stateless. */
final class Report {
    /** What holds a port in TIME_WAIT, for people. */
    static final String TIME_WAIT = "a closed connection in TIME_WAIT (no process; the kernel"
            + " frees the port within about 60 s)";

    private Report() {
    }

    /**
     * Says who holds the lock, in one line: {@code held by pid 1234 (java -jar app.jar)}. The
     * process holding the most ports comes first (the lock holder, before a stranger on one port).
     */
    static String heldBy(LockStatus s, int maxCommandLine) {
        List<PortHolder> holders = byPortsHeld(s);
        if (!holders.isEmpty()) {
            return "held by " + holders.stream()
                    .map(h -> "pid " + h.pid() + h.commandLine()
                            .map(c -> " (" + abbreviate(c, maxCommandLine) + ")").orElse(""))
                    .collect(Collectors.joining(", "));
        }
        if (s.heldCount() > 0 && s.portStatuses().stream()
                .allMatch(p -> p.state() != State.HELD || p.isTimeWait())) {
            return "held by " + TIME_WAIT;
        }
        if (s.heldCount() > 0) {
            return "held by an unknown owner" + ownerHint(s);
        }
        return "busy (its holder released it while this message was written)";
    }

    private static String ownerHint(LockStatus s) {
        List<String> hints = new ArrayList<>();
        for (PortStatus p : s.portStatuses()) {
            if (p.state() != State.HELD) {
                continue;
            }
            String h = p.isTimeWait() ? TIME_WAIT
                    : p.uid().isPresent() ? "uid " + p.uid().getAsInt()
                    : "bound".equals(p.socketState().orElse(""))
                            ? "a socket bound without listening, which /proc does not list"
                            : null;
            if (h != null && !hints.contains(h)) {
                hints.add(h);
            }
        }
        return hints.isEmpty() ? "" : " (" + String.join("; ", hints) + ")";
    }

    /** The holders, those on the most ports first, then by pid. */
    static List<PortHolder> byPortsHeld(LockStatus s) {
        Map<PortHolder, Integer> count = new LinkedHashMap<>();
        for (PortHolder h : s.holders()) {
            count.put(h, 0);
        }
        for (PortStatus p : s.portStatuses()) {
            for (PortHolder h : p.holders()) {
                count.merge(h, 1, Integer::sum);
            }
        }
        List<PortHolder> out = new ArrayList<>(count.keySet());
        out.sort(Comparator.comparing((PortHolder h) -> -count.get(h))
                .thenComparing(Comparator.naturalOrder()));
        return out;
    }

    /** Shortens {@code s} in the middle: a Java command line keeps its main class and arguments. */
    static String abbreviate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int head = (max - 3) / 2;
        int tail = max - 3 - head;
        return s.substring(0, head) + "..." + s.substring(s.length() - tail);
    }
}
