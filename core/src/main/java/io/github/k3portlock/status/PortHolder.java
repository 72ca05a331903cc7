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
 */
public final class PortHolder implements Comparable<PortHolder> {
    private static final Comparator<String> BY_COMMAND_LINE =
            Comparator.nullsFirst(Comparator.naturalOrder());

    private final long pid;
    private final String commandLine;

    PortHolder(long pid, String commandLine) {
        this.pid = pid;
        this.commandLine = commandLine == null || commandLine.isEmpty() ? null : commandLine;
    }

    /**
     * Returns the process id.
     *
     * @return the pid, as seen in this process's pid namespace
     */
    public long pid() {
        return pid;
    }

    /**
     * Returns the process's command line, its arguments joined by single spaces.
     *
     * @return the command line, or empty when it could not be read (the process exited, or the
     *     platform hides it)
     */
    public Optional<String> commandLine() {
        return Optional.ofNullable(commandLine);
    }

    /** Orders by pid, then command line (consistent with {@link #equals(Object)}). */
    @Override
    public int compareTo(PortHolder o) {
        int c = Long.compare(pid, o.pid);
        return c != 0 ? c : BY_COMMAND_LINE.compare(commandLine, o.commandLine);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortHolder && ((PortHolder) o).pid == pid
                && Objects.equals(((PortHolder) o).commandLine, commandLine);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(pid);
    }

    /** Returns e.g. {@code pid 1234 (java -jar app.jar)}. */
    @Override
    public String toString() {
        return "pid " + pid + (commandLine == null ? "" : " (" + commandLine + ")");
    }
}
