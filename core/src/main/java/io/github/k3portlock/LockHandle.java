package io.github.k3portlock;

import java.util.List;

/**
 * A token representing a held lock, modelled on {@link java.nio.channels.FileLock}.
 *
 * <p>A handle is valid from the moment it is returned until it is released, by {@link #release()}
 * or {@link #close()}, or until the process exits (the kernel then frees the ports). Releasing an
 * invalid handle has no effect. The lock is held on behalf of the whole process, not of a thread:
 * any thread may release it.
 *
 * <p><b>Release every handle.</b> A handle that becomes unreachable without being released is
 * reported, not released: a warning is logged through {@link System.Logger} (logger
 * {@code io.github.k3portlock}) naming the key and its ports, with the stack that acquired it when
 * the system property {@code k3portlock.debug.leaks} is {@code true}. The lock stays held until
 * the process exits: the garbage collector does not close the ports, and releasing them when the
 * handle becomes unreachable could end a critical section that is still running (reachability
 * is not the end of the work done under the lock), and would hide the bug.
 *
 * <p>Implementations are thread-safe. Actions in a thread prior to {@link #release()}
 * <i>happen-before</i> actions following the next successful acquisition of the same key in this
 * JVM. Across processes, the lock only orders the critical sections; memory effects there travel
 * through whatever the processes share (files, databases).
 */
public interface LockHandle extends AutoCloseable {

    /**
     * Returns the key this handle locks.
     *
     * @return the key
     */
    String key();

    /**
     * Returns the ports this handle has bound (a quorum of the key's ports), in ascending order.
     * Handles of backends that hold no ports (the ZooKeeper backend) return an empty list.
     *
     * @return an unmodifiable list of ports; empty for a backend without ports
     */
    List<Integer> ports();

    /**
     * Tells whether this handle still holds the lock.
     *
     * @return {@code true} until released
     */
    boolean isValid();

    /**
     * Releases the lock by closing the bound ports. Idempotent; callable from any thread.
     *
     * <p>Never throws for a valid handle, whatever resource runs out: even with no file
     * descriptor left, closing needs none (the JDK's close machinery is set up before the first
     * lock socket is opened). If the kernel refuses a close, the failure is logged as a warning
     * on the {@link System.Logger} named {@code io.github.k3portlock} and the other ports are
     * still closed; the handle is invalid afterwards either way. Only a
     * {@link VirtualMachineError} propagates, after every port was closed.
     */
    void release();

    /** Same as {@link #release()}, for try-with-resources. */
    @Override
    void close();
}
