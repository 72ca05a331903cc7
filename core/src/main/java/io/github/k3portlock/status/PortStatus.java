package io.github.k3portlock.status;

import io.github.k3portlock.LockPorts;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The state of one of a lock's ports, as found by {@link LockStatus#inspect(LockPorts)}: free,
 * taken by a socket (whose owning processes are listed when the platform tells), or unknown.
 *
 * <p>Instances are immutable and thread-safe. They describe a moment, see {@link LockStatus}.
 */
public final class PortStatus {


    private final int port;
    private final State state;
    private final String socketState;
    private final int uid;
    private final List<PortHolder> holders;

    PortStatus(int port, State state, String socketState, int uid, List<PortHolder> holders) {
        this.port = port;
        this.state = Objects.requireNonNull(state, "state");
        this.socketState = socketState;
        this.uid = uid;
        this.holders = List.copyOf(holders);
    }

    /**
     * Returns the port number.
     *
     * @return the port
     */
    public int port() {
        return port;
    }

    /**
     * Returns whether the port is free, held, or unknown.
     *
     * @return the state
     */
    public State state() {
        return state;
    }

    /**
     * Describes the socket that occupies a {@link State#HELD} port, for people: {@code listening}
     * (a lock holder, or a server), {@code bound} (a plain bind without listen, as the Python
     * k3portlock's TCP mode, used off Linux, holds its ports; Linux lists such sockets nowhere in
     * {@code /proc}, so their owner is unknown), {@code connected} (the local end of a connection, e.g. an outgoing connection that
     * took the port from the ephemeral range), another TCP state, or {@code in use} where there is
     * no {@code /proc} to tell.
     *
     * @return the description, or empty for a port that is not held
     */
    public Optional<String> socketState() {
        return Optional.ofNullable(socketState);
    }

    /**
     * Returns the user id that owns the socket on a {@link State#HELD} port, from
     * {@code /proc/net/tcp}. It is known even when the owning process is not (another user's
     * process).
     *
     * @return the uid, or empty for a port that is not held or whose socket {@code /proc} does
     *     not list
     */
    public OptionalInt uid() {
        return uid < 0 ? OptionalInt.empty() : OptionalInt.of(uid);
    }

    /**
     * Returns the processes that have the socket on this port open, ordered by pid. Usually one;
     * more when the holder forked and its children inherited the socket. Empty when the port is
     * free or unknown, and for a held port whose owner cannot be found: a socket bound without
     * listening (not listed in {@code /proc}), another user's process (its {@code /proc/<pid>/fd}
     * is not readable), a process in another pid namespace, or a platform without {@code /proc}.
     *
     * @return an unmodifiable list
     */
    public List<PortHolder> holders() {
        return holders;
    }

    /** Returns e.g. {@code 44655 held (listening) by pid 1234 (java ...)}. */
    @Override
    public String toString() {
        return switch (state) {
            case FREE -> port + " free";
            case UNKNOWN -> port + " unknown";
            case HELD -> port + " held (" + socketState + ") by " + (holders.isEmpty()
                    ? "an unknown owner" + (uid < 0 ? "" : " (uid " + uid + ")")
                    : holders.stream().map(PortHolder::toString).collect(Collectors.joining(", ")));
        };
    }
}
