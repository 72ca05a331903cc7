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
 *
 * @param port the port number
 * @param state whether the port is free, held, or unknown
 * @param socketState describes the socket that occupies a {@link State#HELD} port, for people:
 *     {@code listening} (a lock holder, or a server), {@code bound} (a plain bind without listen,
 *     as the Python k3portlock's TCP mode, used off Linux, holds its ports; Linux lists such
 *     sockets nowhere in {@code /proc}, so their owner is unknown), {@code connected} (the local
 *     end of a connection, e.g. an outgoing connection that took the port from the ephemeral
 *     range; reported only when a probe finds the port in use, as a waiter's connection, with
 *     {@code SO_REUSEADDR}, does not keep the lock from binding), {@code time-wait} (a closed connection that the kernel keeps for its TIME_WAIT
 *     period, about 60 s on Linux: no process holds it, it has no holders and no uid, and the
 *     port frees itself; see {@link #isTimeWait()}), another TCP state, or {@code in use} where
 *     there is no {@code /proc} to tell; empty for a port that is not held
 * @param uid the user id that owns the socket on a {@link State#HELD} port, from
 *     {@code /proc/net/tcp}, known even when the owning process is not (another user's
 *     process); empty for a port that is not held or whose socket {@code /proc} does not list
 * @param holders the processes that have the socket on this port open, ordered by pid. Usually
 *     one; more when the holder forked and its children inherited the socket. Empty when the
 *     port is free or unknown, and for a held port whose owner cannot be found: a socket bound
 *     without listening (not listed in {@code /proc}), another user's process (its
 *     {@code /proc/<pid>/fd} is not readable), a process in another pid namespace, or a platform
 *     without {@code /proc}
 */
public record PortStatus(int port, State state, Optional<String> socketState, OptionalInt uid,
        List<PortHolder> holders) {

    /**
     * Creates a port's status; {@code holders} is copied.
     *
     * @param port the port
     * @param state the state
     * @param socketState the socket's description, or empty
     * @param uid the socket's owner, or empty
     * @param holders the processes, ordered by pid
     * @throws NullPointerException if an argument is null
     */
    public PortStatus {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(socketState, "socketState");
        Objects.requireNonNull(uid, "uid");
        holders = List.copyOf(holders);
    }

    /**
     * Tells whether the port is held by nothing but a closed connection in TIME_WAIT: no process
     * holds it, and the kernel frees it by itself within its TIME_WAIT period (about 60 s on
     * Linux). An outgoing connection whose ephemeral local port is one of the lock's leaves this
     * behind when it closes first.
     *
     * @return {@code true} if the port is {@link State#HELD} with the socket state
     *     {@code time-wait}
     */
    public boolean isTimeWait() {
        return state == State.HELD && socketState.filter(TIME_WAIT::equals).isPresent();
    }

    /** The {@link #socketState()} of a closed connection in TIME_WAIT. */
    static final String TIME_WAIT = "time-wait";

    /**
     * Returns e.g. {@code 44655 held (listening) by pid 1234 (java ...)}, or {@code 44656 held
     * (time-wait) by a closed connection (no process; ...)}.
     */
    @Override
    public String toString() {
        return switch (state) {
            case FREE -> port + " free";
            case UNKNOWN -> port + " unknown";
            case HELD -> port + " held (" + socketState.orElse("") + ") by " + (holders.isEmpty()
                    ? isTimeWait() ? "a closed connection (no process; the kernel frees the port"
                            + " within its TIME_WAIT period, about 60 s on Linux)"
                    : "an unknown owner" + (uid.isPresent() ? " (uid " + uid.getAsInt() + ")" : "")
                    : holders.stream().map(PortHolder::toString).collect(Collectors.joining(", ")));
        };
    }
}
