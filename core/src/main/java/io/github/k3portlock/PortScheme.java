package io.github.k3portlock;

import io.github.k3portlock.internal.Addresses;
import io.github.k3portlock.internal.Checks;
import io.github.k3portlock.internal.NameBinder;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * How keys map to ports: the host, the port range and the number of ports per key.
 *
 * <p>The default scheme is the Python original's: {@code base = 40000 + sha1(utf8(key)) mod 20000}
 * (the digest read as an unsigned big integer), ports {@code base, base+1, base+2} on
 * {@code 127.0.0.1}, quorum 2. A Java process and a Python process using k3portlock's TCP mode
 * with the same key therefore exclude each other.
 *
 * <p><b>Wide loopback.</b> With {@link Builder#wideLoopback(boolean) wideLoopback(true)} the
 * address is also taken from the hash, somewhere in {@code 127.0.0.1 - 127.255.255.254} (last
 * octet 1-254). On Linux every such address is local, so distinct keys almost never share ports (the default scheme
 * makes a few percent of a thousand keys held at once collide). Use it when many keys are held at
 * once and every user of a key is this library with the same scheme; keep the default for
 * compatibility with the Python original, and on systems (macOS, Windows) where only
 * {@code 127.0.0.1} is configured: there wide loopback fails at once with "address not local".
 *
 * <p><b>Loopback only, unless asked.</b> The host must be a loopback address: a lock's ports are
 * then unreachable from the network. A wildcard address ({@code 0.0.0.0}, {@code ::}) is always
 * rejected, since it would open the ports on every interface. Another address of this machine
 * (e.g. to share a lock with a container through a bridge address) is accepted only after
 * {@link Builder#allowNonLoopback()}; its ports are then reachable from wherever that address is,
 * and anyone who can connect to them can see that the lock is held.
 *
 * <p><b>The original's Linux name.</b> On Linux the Python original holds no ports: it binds the
 * abstract Unix socket {@code "\0/portlock/" + key}. On Linux, on Java 22 or later, with native
 * access enabled for this library ({@code --enable-native-access=io.github.k3portlock} on the
 * module path, {@code --enable-native-access=ALL-UNNAMED} on the class path), a lock is held only
 * when both the quorum of ports and that name are held, so Java processes exclude the original
 * too; see {@link Interop} and {@link Builder#interop(Interop)}. Every Java process still holds
 * the ports, so Java processes exclude each other whatever their version.
 *
 * <p>Instances are immutable and thread-safe. Two processes must use equal schemes to exclude
 * each other. Invalid settings are reported with {@link IllegalArgumentException}; a valid
 * {@link Interop#REQUIRE_LINUX_NAME} scheme that this JVM cannot hold, with
 * {@link IllegalStateException} from {@link Builder#build()}.
 */
public final class PortScheme {
    private static final InetAddress LOCALHOST_V4 = v4(0, 0, 1);
    /**
     * Wide-loopback addresses: {@code 127.a.b.c} with {@code c} in 1-254. The last octet avoids 0
     * and 255: the JDK's IPv4 sockets refuse to bind {@code x.y.z.255} ("Cannot assign requested
     * address") although the kernel would allow it.
     */
    private static final int WIDE_ADDRESSES = 256 * 256 * 254;

    /** The Python original's scheme: 127.0.0.1, ports 40000-60001, 3 ports per key. */
    public static final PortScheme DEFAULT = builder().build();

    private final InetAddress host;
    private final int rangeStart;
    private final int rangeSize;
    private final int portCount;
    private final boolean wideLoopback;
    private final Interop interop;
    /** Whether this JVM's locks also hold the original's name, when it fits (cached at build). */
    private final boolean holdsName;

    private PortScheme(Builder b) {
        this.host = b.host;
        this.rangeStart = b.rangeStart;
        this.rangeSize = b.rangeSize;
        this.portCount = b.portCount;
        this.wideLoopback = b.wideLoopback;
        this.interop = b.interop;
        this.holdsName = (interop == Interop.REQUIRE_LINUX_NAME
                || interop == Interop.AUTOMATIC && isOriginals())
                && NameBinder.unavailableReason() == null;
    }

    /** {@return a new builder with the default settings} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Maps a key to its ports.
     *
     * @param key the lock key, not empty
     * @return the key's address, ports and quorum
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate, or
     *     its name does not fit {@code sun_path} ({@link Interop#REQUIRE_LINUX_NAME} only)
     */
    public LockPorts lockPorts(String key) {
        Checks.key(key);
        String name = null;
        if (holdsName) {
            name = NameBinder.name(key);
            if (name == null && interop == Interop.REQUIRE_LINUX_NAME) {
                throw new IllegalArgumentException(NameBinder.tooLong(key));
            }
        }
        BigInteger h = new BigInteger(1, sha1(key.getBytes(StandardCharsets.UTF_8)));
        BigInteger[] qr = h.divideAndRemainder(BigInteger.valueOf(rangeSize));
        int base = rangeStart + qr[1].intValue();
        InetAddress address = host;
        if (wideLoopback) {
            int i = qr[0].mod(BigInteger.valueOf(WIDE_ADDRESSES)).intValue();
            address = v4(i / (256 * 254), i / 254 % 256, i % 254 + 1);
        }
        return new LockPorts(key, address, base, portCount, name);
    }

    private static InetAddress v4(int b1, int b2, int b3) {
        try {
            return InetAddress.getByAddress(new byte[] {127, (byte) b1, (byte) b2, (byte) b3});
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always a valid address
        }
    }

    /** Whether keys map to the original's ports: then its users are this scheme's users too. */
    private boolean isOriginals() {
        return host.equals(LOCALHOST_V4) && rangeStart == 40000 && rangeSize == 20000
                && portCount == 3 && !wideLoopback;
    }

    private static byte[] sha1(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java platform provides SHA-1", e);
        }
    }

    /**
     * {@return the host ports are bound on ({@code 127.0.0.1} by default)} With wide loopback,
     * the default host: addresses then come from the hash.
     */
    public InetAddress host() {
        return host;
    }

    /** {@return the first base port a key can map to, the start of the range} */
    public int rangeStart() {
        return rangeStart;
    }

    /** {@return how many base ports keys are spread over, the size of the range} */
    public int rangeSize() {
        return rangeSize;
    }

    /** {@return how many consecutive ports each key maps to, an odd count (3 by default)} */
    public int portCount() {
        return portCount;
    }

    /**
     * {@return whether addresses are spread over {@code 127.0.0.0/8} (wide loopback)}
     */
    public boolean wideLoopback() {
        return wideLoopback;
    }

    /**
     * {@return whether locks also hold the original's Linux name ({@link Interop#AUTOMATIC}
     * by default)}
     */
    public Interop interop() {
        return interop;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortScheme s && host.equals(s.host) && rangeStart == s.rangeStart
                && rangeSize == s.rangeSize && portCount == s.portCount
                && wideLoopback == s.wideLoopback && interop == s.interop;
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, rangeStart, rangeSize, portCount, wideLoopback, interop);
    }

    @Override
    public String toString() {
        return "PortScheme{host=" + (wideLoopback ? "127.0.0.0/8" : Addresses.host(host))
                + ", range=" + rangeStart + "+" + rangeSize + ", ports=" + portCount
                + (interop == Interop.AUTOMATIC ? "" : ", interop=" + interop) + "}";
    }

    /**
     * Whether a lock also holds the Python original's Linux name, the abstract Unix socket
     * {@code "\0/portlock/" + key}.
     *
     * <p>The name is an abstract socket address: {@code sun_path} holds 108 bytes, the leading
     * NUL included, so only keys of at most {@value NameBinder#MAX_KEY_BYTES} bytes in UTF-8 have
     * one. The original cannot lock longer keys on Linux either (its bind fails with "AF_UNIX path
     * too long"), so there is nobody to exclude: {@link #AUTOMATIC} holds the ports alone for
     * them, and {@link #REQUIRE_LINUX_NAME} refuses them.
     */
    public enum Interop {
        /**
         * The default: hold the name too where this JVM can (Linux, Java 22 or later, native
         * access enabled for this library) and the scheme is the original's (the default host,
         * range and port count, no wide loopback: two different schemes stay two different
         * locks), the ports alone otherwise. Never triggers the JDK's restricted-method warning:
         * without native access nothing native is touched.
         */
        AUTOMATIC,
        /** Hold the ports alone: Java processes exclude each other, not the original on Linux. */
        TCP_ONLY,
        /**
         * Always hold the name too, whatever the ports (so schemes that differ only in their
         * ports then exclude each other through the name): {@link Builder#build()} fails with
         * {@link IllegalStateException}, saying why and how to fix it, when this JVM cannot (not
         * Linux, Java older than 22, native access not enabled), and
         * {@link PortScheme#lockPorts(String)} refuses keys whose name is too long.
         */
        REQUIRE_LINUX_NAME
    }

    /**
     * Builds a {@link PortScheme}; each setter checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        private InetAddress host = LOCALHOST_V4;
        private boolean hostSet;
        private int rangeStart = 40000;
        private int rangeSize = 20000;
        private int portCount = 3;
        private boolean wideLoopback;
        private boolean allowNonLoopback;
        private Interop interop = Interop.AUTOMATIC;

        private Builder() {
        }

        /**
         * Sets whether locks also hold the Python original's Linux name (default
         * {@link Interop#AUTOMATIC}), see {@link Interop}.
         *
         * @param interop the mode
         * @return this builder
         * @throws NullPointerException if {@code interop} is null
         */
        public Builder interop(Interop interop) {
            this.interop = Objects.requireNonNull(interop, "interop");
            return this;
        }

        /**
         * Sets the host to bind on: a loopback address, or another address of this machine after
         * {@link #allowNonLoopback()}.
         *
         * @param host a loopback address, e.g. {@code 127.0.0.1} or {@code ::1}
         * @return this builder
         * @throws NullPointerException if {@code host} is null
         * @throws IllegalArgumentException if {@code host} is a wildcard or multicast address
         */
        public Builder host(InetAddress host) {
            Objects.requireNonNull(host, "host");
            if (host.isAnyLocalAddress()) {
                throw new IllegalArgumentException("host " + Addresses.host(host) + " is a wildcard address:"
                        + " it would open the lock's ports on every interface; use a loopback"
                        + " address such as 127.0.0.1 or ::1");
            }
            if (host.isMulticastAddress()) {
                throw new IllegalArgumentException("host " + Addresses.host(host)
                        + " is a multicast address, not an address of this machine");
            }
            this.host = host;
            this.hostSet = true;
            return this;
        }

        /**
         * Sets the host from a literal IP address (no name lookup is done).
         *
         * @param literal an IPv4 or IPv6 literal such as {@code "127.0.0.1"}
         * @return this builder
         * @throws IllegalArgumentException if {@code literal} is not an IP literal, or is a
         *     wildcard or multicast address
         */
        public Builder host(String literal) {
            Objects.requireNonNull(literal, "host");
            if (!literal.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
                throw new IllegalArgumentException("host must be an IP literal, got '"
                        + literal + "'");
            }
            try {
                return host(InetAddress.getByName(literal));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("host must be an IP literal, got '"
                        + literal + "'", e);
            }
        }

        /**
         * Sets the range base ports are spread over: {@code start .. start+size-1}.
         *
         * @param start the first base port, at least 1
         * @param size how many base ports, at least 1
         * @return this builder
         * @throws IllegalArgumentException if the range, with the port count, leaves 1-65535
         */
        public Builder range(int start, int size) {
            if (start < 1 || size < 1 || (long) start + size - 1 > 65535) {
                throw new IllegalArgumentException(
                        "port range " + start + "+" + size + " must lie within 1-65535");
            }
            this.rangeStart = start;
            this.rangeSize = size;
            return this;
        }

        /**
         * Sets how many consecutive ports each key uses; the lock needs {@code count/2+1} of them.
         *
         * @param count an odd number from 1 to 15
         * @return this builder
         * @throws IllegalArgumentException if {@code count} is even or out of range
         */
        public Builder portCount(int count) {
            if (count < 1 || count > 15 || count % 2 == 0) {
                throw new IllegalArgumentException("port count must be odd and 1-15, got " + count);
            }
            this.portCount = count;
            return this;
        }

        /**
         * Allows a {@link #host} that is not a loopback address: an address of this machine on a
         * real interface, whose ports (and so whether the lock is held) can be reached from the
         * network. Off by default; a wildcard address is refused even so.
         *
         * @return this builder
         */
        public Builder allowNonLoopback() {
            this.allowNonLoopback = true;
            return this;
        }

        /**
         * Spreads keys over the whole {@code 127.0.0.0/8} network (Linux), see {@link PortScheme}.
         *
         * @param wide {@code true} to take the address from the key's hash
         * @return this builder
         */
        public Builder wideLoopback(boolean wide) {
            this.wideLoopback = wide;
            return this;
        }

        /**
         * Builds the scheme.
         *
         * @return an immutable scheme
         * @throws IllegalArgumentException if the last port would exceed 65535, wide loopback is
         *     combined with an explicit host, or the host is not a loopback address and
         *     {@link #allowNonLoopback()} was not called
         * @throws IllegalStateException if the interop is {@link Interop#REQUIRE_LINUX_NAME} and
         *     this JVM cannot hold the name (not Linux, Java older than 22, no native access)
         */
        public PortScheme build() {
            if ((long) rangeStart + rangeSize - 1 + portCount - 1 > 65535) {
                throw new IllegalArgumentException("port range " + rangeStart + "+" + rangeSize
                        + " with " + portCount + " ports per key exceeds port 65535");
            }
            if (wideLoopback && hostSet) {
                throw new IllegalArgumentException("wide loopback takes the address from the key;"
                        + " do not also set host " + Addresses.host(host));
            }
            if (!host.isLoopbackAddress() && !allowNonLoopback) {
                throw new IllegalArgumentException("host " + Addresses.host(host) + " is not a loopback"
                        + " address: the lock's ports would be reachable from the network; call"
                        + " allowNonLoopback() if that is intended");
            }
            if (interop == Interop.REQUIRE_LINUX_NAME) {
                String why = NameBinder.unavailableReason();
                if (why != null) {
                    throw new IllegalStateException("cannot hold the Python original's Linux name"
                            + " (interop REQUIRE_LINUX_NAME): " + why);
                }
            }
            return new PortScheme(this);
        }
    }
}
