package io.github.k3portlock.status;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.internal.Checks;
import io.github.k3portlock.internal.Descriptors;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.Quorum;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Who holds a lock: each of its ports' state (free, held by a process, held by an unknown owner,
 * or unknown) and whether the lock as a whole is held. Answers the first question anyone asks of
 * a stuck lock.
 *
 * <pre>{@code
 * LockStatus s = LockStatus.inspect(PortScheme.DEFAULT.lockPorts("nightly-report"));
 * if (s.state() == State.HELD) {
 *     System.err.println("held by " + s.holders());
 * }
 * }</pre>
 *
 * <p><b>How.</b> On Linux, the sockets on the key's ports are read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (listening sockets, such as a lock holder's, and the local ends of
 * connections; sockets bound on the wildcard address {@code 0.0.0.0} or {@code ::} count too), and
 * their owners are found by matching socket inodes against the {@code /proc/<pid>/fd} links of
 * every process this user may read. Other users' processes show as an unknown owner, with the
 * socket's uid. A port that {@code /proc} shows no socket on is <em>probed</em>: bound as the lock
 * binds it and closed at once. The probe finds what Linux does not list anywhere in {@code /proc}:
 * a socket bound without listening (how many plain programs hold a port, and how the Python
 * k3portlock holds its ports in its TCP mode, which it uses off Linux; on Linux the Python library
 * binds an abstract Unix socket instead, which {@link NameStatus} looks for), whose owner
 * therefore stays unknown. Only a listening socket holds a port for certain. Three kinds of entry
 * may or may not keep the lock from binding, and are named only when a probe finds the port in
 * use: the local end of a connection (it blocks unless both it and the lock's socket set
 * {@code SO_REUSEADDR}, which {@code /proc} does not show; a waiter's connection to another
 * lock's port sets it, so a waiter whose local port happens to be one of this lock's ports is
 * no holder), a closed connection in TIME_WAIT (the same rule; reported as
 * {@link PortStatus#isTimeWait()}: no process, and the port frees itself within the kernel's
 * TIME_WAIT period, about 60 s on Linux), and, on an IPv4 lock address, a socket on the IPv6
 * wildcard {@code ::} (it blocks when dual-stack, not with {@code IPV6_V6ONLY}, which
 * {@code /proc} does not show). So {@link State#HELD} for the lock means that a quorum of its
 * ports cannot be bound, and {@link State#FREE} that a {@link Portlock#tryLock()} on the same
 * ports would have succeeded at that moment. When the probe finds a port in use and
 * {@code /proc} lists only such entries on it, they are named: one of them holds the port, or a
 * socket bound without listening that {@code /proc} does not list. Where there is no
 * {@code /proc} (macOS, Windows), every port is probed: its state is known, its owner is not.
 * A port the probe cannot bind for a reason other than contention (address not local,
 * permission denied) is {@link State#UNKNOWN}. Nothing is thrown, with one exception: when this
 * process is out of file descriptors, neither {@code /proc} nor a probe can be read, and an
 * answer made of unknowns would hide why; {@link #inspect(LockPorts)} then throws a
 * {@link PortlockException} saying so.
 *
 * <p><b>A snapshot, and a light touch.</b> The answer describes a moment and may be stale when it
 * is returned; it is for diagnostics, never for deciding whether to take the lock (use
 * {@link Portlock#tryLock()}). The probe holds one port at a time, for a few microseconds, and
 * is never taken for a holder. It can still make a concurrent acquirer fail: when other ports are
 * already taken (a stranger on one port), an attempt that runs while the probe holds a second
 * port finds no quorum, so a {@link Portlock#tryLock()} returns {@code false} and an
 * {@link Portlock#acquire()} tries again at its next attempt. Do not inspect in a tight loop beside
 * acquirers that must not miss. Scanning every process's descriptors takes a few to tens of
 * milliseconds on a busy host, and is skipped when no port has a visible socket.
 *
 * <p>An interrupt does not spoil an inspection: the calling thread's interrupt status is cleared
 * while {@code /proc} is read and the ports are probed, and restored before returning.
 *
 * <p>Instances are immutable and thread-safe. Inspecting establishes no happens-before relation
 * with the lock's holders.
 */
public final class LockStatus {


    private static final Path PROC = Paths.get("/proc");

    private final LockPorts target;
    private final List<PortStatus> ports;
    private final State state;

    private LockStatus(LockPorts target, List<PortStatus> ports, State state) {
        this.target = target;
        this.ports = Collections.unmodifiableList(ports);
        this.state = state;
    }

    /**
     * Inspects who holds the lock on {@code target}'s ports, now. Never throws for an unreadable
     * or absent {@code /proc}.
     *
     * @param target the key's ports, from {@link PortScheme#lockPorts(String)} or
     *     {@link Portlock#lockPorts()}
     * @return a snapshot of the ports' states and holders
     * @throws NullPointerException if {@code target} is null
     * @throws PortlockException if this process is out of file descriptors (naming the key, the
     *     port being probed if any, and "this process is out of file descriptors")
     */
    public static LockStatus inspect(LockPorts target) {
        return inspect(target, PROC, PortBinder.DEFAULT);
    }

    /**
     * As {@link #inspect(LockPorts)}, reading a {@code /proc} tree at {@code proc} and probing
     * through {@code probe} (for tests).
     */
    static LockStatus inspect(LockPorts target, Path proc, PortBinder probe) {
        Objects.requireNonNull(target, "target");
        Descriptors.ready(); // the JDK's close machinery, before the first socket
        // An interruptible read (a FileChannel) with the flag set fails with
        // ClosedByInterruptException, which would silently turn the answer into probe-only.
        boolean interrupted = Thread.interrupted();
        try {
            return inspectNow(target, proc, probe);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static LockStatus inspectNow(LockPorts target, Path proc, PortBinder probe) {
        Set<Integer> wanted = new HashSet<>(target.numbers());
        List<ProcNet.Socket> sockets = new ArrayList<>();
        boolean haveProc;
        try {
            sockets.addAll(ProcNet.read(proc.resolve("net/tcp"), wanted));
            haveProc = true;
        } catch (IOException | RuntimeException e) {
            if (Descriptors.isOutOfDescriptors(e)) {
                throw Descriptors.outOfDescriptors(target, -1, e, "inspect the ports");
            }
            haveProc = false; // not Linux: every port is probed, owners stay unknown
        }
        Path tcp6 = proc.resolve("net/tcp6");
        if (haveProc && Files.exists(tcp6)) {
            try {
                sockets.addAll(ProcNet.read(tcp6, wanted));
            } catch (IOException | RuntimeException e) {
                // IPv6 sockets unknown; the IPv4 answer stands (tcp6 is absent without IPv6)
            }
        }

        // Per port, the sockets that occupy it for certain (a listener), and those that may: the
        // local end of a connection and a TIME_WAIT entry (each blocks a bind unless both it and
        // the lock's socket set SO_REUSEADDR, as a waiter's connection does, and /proc does not
        // show the option) and, on an IPv4 lock address, a socket on the IPv6 wildcard (it blocks
        // only when dual-stack, and /proc/net/tcp6 cannot tell IPV6_V6ONLY). A port with only the
        // latter is probed; they are named only when the probe finds the port in use.
        // Socket-less entries (inode 0: a SYN_RECV request) never count.
        List<List<ProcNet.Socket>> sure = new ArrayList<>();
        List<List<ProcNet.Socket>> maybe = new ArrayList<>();
        Set<Long> inodes = new HashSet<>();
        for (int port : target.numbers()) {
            List<ProcNet.Socket> certain = new ArrayList<>();
            List<ProcNet.Socket> possible = new ArrayList<>();
            for (ProcNet.Socket s : sockets) {
                if (s.port() != port || !ProcNet.occupies(s.address(), target.address())) {
                    continue;
                }
                if (s.state() == ProcNet.TIME_WAIT) {
                    possible.add(s);
                } else if (s.inode() == 0) {
                    continue;
                } else if (s.state() != ProcNet.LISTEN
                        || ProcNet.mayNotOccupy(s.address(), target.address())) {
                    possible.add(s);
                    inodes.add(s.inode());
                } else {
                    certain.add(s);
                    inodes.add(s.inode());
                }
            }
            // The listening socket first: it is the one that names a lock holder; a TIME_WAIT
            // entry last, as it names no process.
            Comparator<ProcNet.Socket> order = Comparator
                    .comparingInt((ProcNet.Socket x) -> x.state() == ProcNet.LISTEN ? 0
                            : x.state() == ProcNet.TIME_WAIT ? 2 : 1);
            certain.sort(order);
            possible.sort(order);
            sure.add(certain);
            maybe.add(possible);
        }

        Map<Long, Set<Long>> owners = ProcNet.owners(proc, inodes);
        Map<Long, PortHolder> known = new HashMap<>(); // one command line read per pid
        List<PortStatus> statuses = new ArrayList<>();
        int held = 0;
        int unknown = 0;
        for (int i = 0; i < sure.size(); i++) {
            int port = target.numbers().get(i);
            List<ProcNet.Socket> here = sure.get(i);
            if (here.isEmpty()) {
                State probed = probe(target, target.socketAddresses().get(i), probe);
                if (probed == State.HELD) {
                    held++;
                } else if (probed == State.UNKNOWN) {
                    unknown++;
                }
                if (probed == State.HELD && !maybe.get(i).isEmpty()) {
                    here = maybe.get(i); // in use: the entries that may block it do
                } else {
                    statuses.add(new PortStatus(port, probed, probed != State.HELD
                            ? Optional.empty() : Optional.of(haveProc ? "bound" : "in use"),
                            OptionalInt.empty(), List.of()));
                    continue;
                }
            } else {
                held++;
            }
            Set<Long> pids = new TreeSet<>();
            for (ProcNet.Socket s : here) {
                if (s.inode() != 0) {
                    pids.addAll(owners.getOrDefault(s.inode(), Set.of()));
                }
            }
            List<PortHolder> holders = new ArrayList<>();
            for (long pid : pids) {
                holders.add(known.computeIfAbsent(pid,
                        p -> new PortHolder(p, Optional.ofNullable(ProcNet.commandLine(proc, p)))));
            }
            ProcNet.Socket first = here.get(0);
            // A TIME_WAIT entry belongs to no process and its uid column is always 0: no uid.
            boolean timeWait = first.state() == ProcNet.TIME_WAIT;
            statuses.add(new PortStatus(port, State.HELD, Optional.of(first.stateName()),
                    first.uid() < 0 || timeWait ? OptionalInt.empty() : OptionalInt.of(first.uid()),
                    holders));
        }
        State state = held >= target.quorum() ? State.HELD
                : held + unknown >= target.quorum() ? State.UNKNOWN : State.FREE;
        return new LockStatus(target, statuses, state);
    }

    /**
     * Tells whether a port that {@code /proc} shows no socket on can be bound, by binding it as
     * the lock does and closing it at once. Finds what {@code /proc/net/tcp} cannot show: a
     * socket bound without listening (as the Python k3portlock's TCP mode, used off Linux, holds
     * its ports), and every socket where there is no {@code /proc}.
     */
    private static State probe(LockPorts target, InetSocketAddress address,
            PortBinder probe) {
        // Race with a concurrent acquirer: ports are probed one at a time, each for a few
        // microseconds, so the probe occupies at most one port at any instant. An acquirer that
        // finds another port taken as well (a stranger's) misses the quorum for that attempt.
        try (ServerSocketChannel ch = probe.open(address)) {
            probe.bind(ch, address, PortBinder.BACKLOG);
            return State.FREE;
        } catch (IOException e) {
            if (Descriptors.isOutOfDescriptors(e)) {
                throw Descriptors.outOfDescriptors(target, address.getPort(), e, "probe");
            }
            return Quorum.isAddressInUse(e) ? State.HELD : State.UNKNOWN;
        } catch (RuntimeException e) {
            return State.UNKNOWN;
        }
    }

    /**
     * Returns the key's address, ports and quorum that were inspected.
     *
     * @return the target
     */
    public LockPorts target() {
        return target;
    }

    /**
     * Returns each port's state, in the order of {@link LockPorts#numbers()}.
     *
     * @return an unmodifiable list, one entry per port
     */
    public List<PortStatus> portStatuses() {
        return ports;
    }

    /**
     * Returns whether the lock is held: {@link State#HELD} when at least a quorum of the ports is
     * held, whoever holds them.
     *
     * @return the lock's state
     */
    public State state() {
        return state;
    }

    /**
     * Returns how many ports are held.
     *
     * @return the number of {@link State#HELD} ports
     */
    public int heldCount() {
        return (int) ports.stream().filter(p -> p.state() == State.HELD).count();
    }

    /**
     * Returns the processes found on any held port, without duplicates, ordered by pid. When the
     * lock is held by a lock holder, this is that holder (and any child that inherited its
     * sockets); strangers on single ports are listed too.
     *
     * @return an unmodifiable list, empty when no owner was found
     */
    public List<PortHolder> holders() {
        Set<PortHolder> all = new TreeSet<>();
        for (PortStatus p : ports) {
            all.addAll(p.holders());
        }
        return List.copyOf(all);
    }

    /**
     * Returns e.g. {@code lock 'k' held (2 of 3 ports, quorum 2): 44655 held (listening) by pid
     * 1234 (java ...); 44656 ...; 44657 free}.
     */
    @Override
    public String toString() {
        return "lock " + Checks.quote(target.key()) + " " + state.name().toLowerCase(Locale.ROOT)
                + " (" + heldCount() + " of " + ports.size() + " ports held, quorum "
                + target.quorum() + "): "
                + ports.stream().map(PortStatus::toString).collect(Collectors.joining("; "));
    }
}
