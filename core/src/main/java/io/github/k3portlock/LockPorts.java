package io.github.k3portlock;

import io.github.k3portlock.internal.Addresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The ports a key maps to under a {@link PortScheme}: one address, {@code count} consecutive
 * ports, and the quorum ({@code count / 2 + 1}) that must be bound to hold the lock.
 *
 * <p>Instances are immutable and thread-safe; their lists are computed once.
 */
public final class LockPorts {
    private final String key;
    private final InetAddress address;
    private final int basePort;
    private final int quorum;
    private final List<Integer> ports;
    private final List<InetSocketAddress> socketAddresses;
    /** Computed once: handles name it in leak warnings. */
    private final String text;
    /** The original's Linux name this JVM also holds, or {@code null}. */
    private final String linuxName;

    LockPorts(String key, InetAddress address, int basePort, int count, String linuxName) {
        this.linuxName = linuxName;
        this.key = Objects.requireNonNull(key, "key");
        this.address = Objects.requireNonNull(address, "address");
        this.basePort = basePort;
        this.quorum = count / 2 + 1;
        List<Integer> p = new ArrayList<>(count);
        List<InetSocketAddress> a = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            p.add(basePort + i);
            a.add(new InetSocketAddress(address, basePort + i));
        }
        this.ports = Collections.unmodifiableList(p);
        this.socketAddresses = Collections.unmodifiableList(a);
        this.text = Addresses.withPort(address, basePort
                + (count > 1 ? "-" + (basePort + count - 1) : "")) + " (quorum " + quorum + ")";
    }

    /**
     * Returns the key.
     *
     * @return the key these ports belong to
     */
    public String key() {
        return key;
    }

    /**
     * Returns the loopback address the ports are bound on.
     *
     * @return the address
     */
    public InetAddress address() {
        return address;
    }

    /**
     * Returns the address as every message writes it: {@code 127.0.0.1}, or an IPv6 address in
     * its RFC 5952 form ({@code ::1}), without brackets; where a port follows, messages bracket
     * an IPv6 address ({@code [::1]:44655-44657}).
     *
     * @return the address's text
     */
    public String addressText() {
        return Addresses.host(address);
    }

    /**
     * Returns the first port.
     *
     * @return the base port
     */
    public int basePort() {
        return basePort;
    }

    /**
     * Returns all the key's port numbers in ascending order (a handle holds a quorum of them, see
     * {@link LockHandle#ports()}).
     *
     * @return an unmodifiable list of {@code count} ports
     */
    public List<Integer> numbers() {
        return ports;
    }

    /**
     * Returns the ports as socket addresses, in the same order as {@link #numbers()}.
     *
     * @return an unmodifiable list
     */
    public List<InetSocketAddress> socketAddresses() {
        return socketAddresses;
    }

    /**
     * Returns how many of the ports must be bound to hold the lock.
     *
     * @return {@code count / 2 + 1}
     */
    public int quorum() {
        return quorum;
    }

    /**
     * Returns the Python original's Linux name that a lock on these ports also holds: the
     * abstract Unix socket {@code "\0/portlock/" + key}, written here as {@code /portlock/KEY}
     * (without the leading NUL; {@code /proc/net/unix} shows it as {@code @/portlock/KEY}).
     * Empty when this JVM holds the ports alone, see {@link PortScheme.Interop}.
     *
     * @return the name, if a lock on these ports holds it
     */
    public Optional<String> linuxName() {
        return Optional.ofNullable(linuxName);
    }

    /**
     * Returns e.g. {@code 127.0.0.1:44655-44657 (quorum 2)}, or {@code [::1]:44655-44657 (quorum
     * 2)} for an IPv6 address.
     */
    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LockPorts other && key.equals(other.key)
                && address.equals(other.address)
                && basePort == other.basePort && ports.size() == other.ports.size()
                && Objects.equals(linuxName, other.linuxName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, address, basePort, ports.size());
    }
}
