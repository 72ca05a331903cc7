package io.github.k3portlock.internal;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The held quorum of one key: the bound sockets, closed exactly once by the first release.
 * This class is thread-safe.
 */
public final class PortHandle implements LockHandle {
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(PortHandle.class, "released", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final LockPorts target;
    private final Closeable[] sockets;
    private final List<Integer> ports;
    @SuppressWarnings("unused") // accessed through RELEASED
    private volatile int released;

    PortHandle(LockPorts target, Closeable[] sockets, List<Integer> ports) {
        this.target = target;
        this.sockets = sockets;
        this.ports = ports;
    }

    /**
     * Returns the key's ports this handle was taken for.
     *
     * @return the target
     */
    public LockPorts target() {
        return target;
    }

    @Override
    public String key() {
        return target.key();
    }

    @Override
    public List<Integer> ports() {
        return ports;
    }

    @Override
    public boolean isValid() {
        return released == 0;
    }

    @Override
    public void release() {
        if (!RELEASED.compareAndSet(this, 0, 1)) {
            return;
        }
        Quorum.publishRelease();
        for (Closeable s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // close(2) of a listening socket frees the port even when it reports an error;
                // there is nothing a caller could do with it.
            }
        }
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "LockHandle{key='" + target.key() + "', ports=" + ports
                + (isValid() ? "" : ", released") + "}";
    }
}
