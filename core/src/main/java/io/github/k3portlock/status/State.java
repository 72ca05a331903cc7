package io.github.k3portlock.status;

/**
 * The state of a lock ({@link LockStatus#state()}) or of one of its ports
 * ({@link PortStatus#state()}), as found by an inspection.
 */
public enum State {
    /**
     * Free. A port: no socket occupies it, binding it would succeed (at that moment). A lock:
     * fewer ports than the quorum are held, the lock could be taken (at that moment).
     */
    FREE,
    /**
     * Held. A port: a socket occupies it (listening, bound without listening, or the local end
     * of a connection); {@link PortStatus#holders()} names its processes when they can be found.
     * A lock: at least a quorum of its ports is held, by a lock holder or by strangers blocking
     * it.
     */
    HELD,
    /**
     * Not known. A port: neither {@code /proc} nor a probe tells, because the port cannot be
     * bound for a reason other than contention (address not local, permission denied). A lock:
     * too few ports are known to tell, and the unknown ones might complete a quorum.
     */
    UNKNOWN
}
