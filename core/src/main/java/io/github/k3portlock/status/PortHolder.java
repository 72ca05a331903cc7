package io.github.k3portlock.status;

import io.github.k3portlock.LockPorts;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * A process that has a socket open on one of a lock's ports, as found by
 * {@link LockStatus#inspect(LockPorts)}: its pid and, when readable, its command line.
 *
 * <p>Instances are immutable and thread-safe. They describe a moment: the process may have exited
 * or closed the socket since.
 *
 * @param pid the process id, as seen in this process's pid namespace
 * @param commandLine the process's command line, its arguments joined by single spaces; empty
 *     when it could not be read (the process exited, or the platform hides it)
 */
public record PortHolder(long pid, Optional<String> commandLine) implements Comparable<PortHolder> {
    private static final Comparator<PortHolder> ORDER = Comparator.comparingLong(PortHolder::pid)
            .thenComparing(h -> h.commandLine().orElse(null),
                    Comparator.nullsFirst(Comparator.naturalOrder()));

    /**
     * Creates a holder; an empty command line is stored as absent.
     *
     * @param pid the process id
     * @param commandLine the command line, or empty
     * @throws NullPointerException if {@code commandLine} is null
     */
    public PortHolder {
        commandLine = Objects.requireNonNull(commandLine, "commandLine").filter(c -> !c.isEmpty());
    }

    /** Orders by pid, then command line, absent first (consistent with {@link #equals(Object)}). */
    @Override
    public int compareTo(PortHolder o) {
        return ORDER.compare(this, o);
    }

    /** Returns e.g. {@code pid 1234 (java -jar app.jar)}. */
    @Override
    public String toString() {
        return "pid " + pid + commandLine.map(c -> " (" + c + ")").orElse("");
    }
}
