package io.github.k3portlock;

/**
 * How a {@link Portlock} holds its key: alone ({@link #EXCLUSIVE}, the default) or together with
 * other readers ({@link #SHARED}). Set with {@link Portlock.Builder#mode(LockMode)}.
 *
 * <p><b>How the kernel keeps the modes apart.</b> An exclusive hold is a quorum (2 of 3) of the
 * key's ports bound and listening without {@code SO_REUSEPORT}, exactly as before this mode
 * existed and as the Python original binds them. A shared hold is a quorum of the same ports
 * bound and listening <em>with</em> {@code SO_REUSEPORT}. Sockets that all set
 * {@code SO_REUSEPORT} (and belong to the same user) bind a port together; a socket without it
 * cannot bind a port they hold, and they cannot bind a port it holds. A shared holder and an
 * exclusive holder would each need 2 of the 3 ports, 4 in all: so they never hold at the same
 * time, and a stranger on one port blocks neither, as for the exclusive lock.
 *
 * <p><b>Threads.</b> The thread rules are {@link Portlock}'s in either mode: one instance is held
 * by one thread at a time (its other threads wait, or get {@code false}). Readers of one JVM
 * that should read together take an instance each; their shared holds then coexist.
 *
 * <p><b>Writers are not starved.</b> An exclusive {@link Portlock#acquire()} that has to wait
 * (and an exclusive {@code AsyncPortlock} acquisition that has to wait, the same way) first holds
 * the key's <em>writer gate</em> (a quorum of the three ports that follow the key's
 * own, or precede them when the key's ports end within three of 65535), exclusively, until it
 * holds the lock or gives up. A shared attempt takes its hold only while it holds the gate
 * shared (with {@code SO_REUSEPORT}), for the few microseconds of the attempt. So once a writer
 * holds the gate no reader's hold can begin. <b>The bound:</b> a waiting writer waits at most
 * for the shared holds that began before it bound the gate (a reader instance has at most one),
 * then gets in at its next attempt (a wake on a reader's release, or at most {@code sleepTime}
 * later) unless another writer gets in first: among writers there is no order, as before.
 * Taking the gate is delayed only by readers in the middle of an attempt, each for the time of a
 * few binds. The bound needs the gate: a stranger on one of its ports is absorbed by its quorum,
 * but strangers on two leave the writer as it was without a gate. A writer that only calls
 * {@link Portlock#tryLock()}, and the Python original, hold no gate: readers that overlap
 * without end can keep them out. A process that dies holding the gate loses it with its
 * sockets, like any hold.
 *
 * <p><b>Status.</b> {@link io.github.k3portlock.status.LockStatus#inspect(LockPorts)} lists every
 * shared holder's pid among its {@code holders()}: each reader's listening socket is its own
 * entry in {@code /proc/net/tcp}. It cannot tell a lone reader from a writer, as the kernel does
 * not show {@code SO_REUSEPORT} there; two listening sockets on one port are readers.
 *
 * <p><b>Limits.</b>
 * <ul>
 * <li>{@code SO_REUSEPORT} is needed: Linux (where these rules are tested), macOS and the BSDs
 *     have it; on Windows (and any platform whose {@code ServerSocketChannel} does not offer
 *     {@link java.net.StandardSocketOptions#SO_REUSEPORT}) building a {@code SHARED} lock fails
 *     with {@link IllegalStateException}.</li>
 * <li>Readers running as different users exclude each other: Linux lets only sockets of one user
 *     share a port. Two readers of different users then take turns, as writers would: safe (never
 *     a reader beside a writer), only less concurrent.</li>
 * <li>The Python original keeps readers out, on ports and, on Linux where it holds its abstract
 *     socket name, through the name: a shared attempt checks the name (Java 22+ with native
 *     access, see {@link PortScheme.Interop}) after its ports and misses while it is held. A name
 *     has a single holder, so readers cannot hold it for the whole of their section: the original
 *     on Linux started while readers hold the key is <em>not</em> kept out by them. Where both must
 *     exclude each other both ways, use {@link #EXCLUSIVE}.</li>
 * <li>The writer gate's ports are three more ports, which a lock of another key may map to
 *     (false contention, as between two keys whose ports overlap): then readers of this key wait
 *     while that lock is held, and that lock waits while a writer of this key waits.</li>
 * </ul>
 */
public enum LockMode {
    /** One holder at a time: the Python original's lock. */
    EXCLUSIVE,
    /** Any number of holders at once (readers), none while an exclusive holder is in. */
    SHARED
}
