package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.internal.LockEvents;
import io.github.k3portlock.internal.PortHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The handle an {@link AsyncPortlock} gives a waiter. It wraps the bound ports; its first release
 * passes the ports to the next local waiter on the key (a new handle for it), or closes them when
 * nobody in this JVM waits. This class is thread-safe.
 */
final class AsyncHandle implements LockHandle {
    private static final VarHandle RELEASED;

    static {
        try {
            RELEASED = MethodHandles.lookup().findVarHandle(AsyncHandle.class, "released", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KeyPoller poller;
    private final PortHandle ports;
    /** {@code System.nanoTime()} at the grant, for the flight recorder's Hold event. */
    private final long grantedAt = System.nanoTime();
    @SuppressWarnings("unused") // accessed through RELEASED
    private volatile int released;

    AsyncHandle(KeyPoller poller, PortHandle ports) {
        this.poller = poller;
        this.ports = ports;
    }

    @Override
    public String key() {
        return ports.key();
    }

    @Override
    public List<Integer> ports() {
        return ports.ports();
    }

    @Override
    public boolean isValid() {
        return released == 0;
    }

    /**
     * Passes the ports to the next local waiter, or closes them. Opens no descriptor, and never
     * throws (but a {@link VirtualMachineError}) for lack of them: a close the kernel refuses is
     * logged by the {@code PortHandle} (see {@code Descriptors}).
     */
    @Override
    public void release() {
        if (RELEASED.compareAndSet(this, 0, 1)) {
            poller.delivery.passOn(ports);
            LockEvents.held(ports.key(), grantedAt);
        }
    }

    @Override
    public void close() {
        release();
    }

    /**
     * Invalidates this handle without passing its ports on: the caller takes the ports back.
     * Used when the handle could not be delivered (the completion executor rejected it).
     *
     * @return {@code true} if this call invalidated the handle; {@code false} if a release came first
     */
    boolean revoke() {
        return RELEASED.compareAndSet(this, 0, 1);
    }

    KeyPoller poller() {
        return poller;
    }

    PortHandle portHandle() {
        return ports;
    }

    @Override
    public String toString() {
        return "LockHandle{key='" + key() + "', ports=" + ports() + (isValid() ? "" : ", released") + "}";
    }
}
