package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.Objects;

/**
 * What running out of file descriptors must not break: the JDK's close machinery is initialised
 * once per JVM while descriptors are still available, closes never throw, and every form an
 * out-of-descriptors failure takes is recognised as such. Stateless after initialisation;
 * thread-safe.
 *
 * <p><b>Why.</b> The JDK initialises {@code sun.nio.ch.FileDispatcherImpl} lazily, on the first
 * channel close in the process, and its initialiser opens a socket pair (the pre-close
 * descriptor, kept for the life of the JVM). When that first close happens at the descriptor
 * limit, the initialiser fails with {@link ExceptionInInitializerError} and the class is unusable
 * for the life of the JVM: every later close of any channel throws {@code NoClassDefFoundError:
 * Could not initialize class sun.nio.ch.FileDispatcherImpl}, so no lock could ever be released
 * again. This class's initialiser, which {@link Quorum} and {@code LockStatus} run before they open
 * their first socket, opens and closes one channel to get that done while descriptors are still
 * available, and learns the "address already in use" message ({@link Quorum.InUse}), which
 * otherwise is learned (with two more sockets) on the first failed bind, possibly at the limit.
 *
 * <p><b>Cost.</b> Once per JVM, little new work: the first close (FileDispatcherImpl's
 * initialiser, which the first release used to pay) and the message learning (which the first
 * contention used to pay) move here. The warm-up's wall time is larger because it is also the
 * first NIO socket of the process, whose class loading the first lock attempt would otherwise
 * pay. Figures: BENCHMARKS.md, section 11.
 */
public final class Descriptors {
    /** How long the one-time warm-up took, in nanoseconds (start-up cost, for diagnostics). */
    static final long WARM_UP_NANOS;
    /** Why the warm-up failed (the JVM was already at its limit), or {@code null}. */
    static final Throwable WARM_UP_FAILURE;
    /** Classes the failure paths use, loaded (not initialised) by the warm-up. */
    private static final Class<?>[] PRELOADED;

    static {
        long t0 = System.nanoTime();
        Throwable failure = null;
        // Load now what the failure paths need: loading a class from a directory opens a file.
        PRELOADED = new Class<?>[] {PortlockException.class, Log.class};
        // Unbound: its close initialises FileDispatcherImpl (the only class a close initialises,
        // -Xlog:class+init) without taking an ephemeral port, which could be a lock's port.
        try {
            ServerSocketChannel.open().close();
        } catch (IOException | RuntimeException | LinkageError e) {
            failure = e; // already at the limit: nothing to do about it now
        }
        try {
            Objects.requireNonNull(Quorum.InUse.MESSAGE);
        } catch (LinkageError e) {
            if (failure == null) {
                failure = e;
            }
        }
        WARM_UP_FAILURE = failure;
        WARM_UP_NANOS = System.nanoTime() - t0;
    }

    private Descriptors() {
    }

    /** Runs the one-time warm-up, if it has not run yet; cheap afterwards. */
    public static void ready() {
        // Calling a static method initialises the class: the static block above did the work.
    }

    /**
     * Tells whether {@code t}, or a cause of it, says that this process (EMFILE) or the system
     * (ENFILE) is out of file descriptors: an {@link IOException} ({@code SocketException},
     * {@code FileSystemException}) reading "Too many open files", and the
     * {@link ExceptionInInitializerError} or {@link NoClassDefFoundError} of a JDK class whose
     * initialiser met one.
     *
     * <p>The text is the C library's, in English; where the JVM runs in another locale the
     * message may be translated and is then not recognised (the failure still reads as a bind
     * failure naming the key and port).
     *
     * @param t a failure, or {@code null}
     * @return {@code true} if it is (caused by) running out of descriptors
     */
    public static boolean isOutOfDescriptors(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains("Too many open files")) {
                return true;
            }
            if (t instanceof ExceptionInInitializerError init && init.getException() != null
                    && init.getException() != t.getCause()
                    && isOutOfDescriptors(init.getException())) {
                return true;
            }
            // JDK 17: the failed initialiser's cause is not kept on later uses of the class.
            if (t instanceof NoClassDefFoundError && m != null
                    && m.startsWith("Could not initialize class sun.nio.ch.")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The failure of an attempt on {@code target} that ran out of descriptors at {@code port}.
     *
     * @param target the key's ports
     * @param port the port being bound, or {@code -1}
     * @param cause the failure, in any of the forms {@link #isOutOfDescriptors} recognises
     * @return a {@link PortlockException} naming the key and port
     */
    public static PortlockException outOfDescriptors(LockPorts target, int port, Throwable cause) {
        return outOfDescriptors(target, port, cause, "bind");
    }

    /**
     * As {@link #outOfDescriptors(LockPorts, int, Throwable)}, for another operation than an
     * attempt's bind.
     *
     * @param target the key's ports
     * @param port the port involved, or {@code -1}
     * @param cause the failure
     * @param what the operation that failed ("bind", "probe", "inspect the ports")
     * @return a {@link PortlockException} naming the key and port
     */
    public static PortlockException outOfDescriptors(LockPorts target, int port, Throwable cause,
            String what) {
        String where = port < 0 ? ""
                : Addresses.withPort(target.address(), Integer.toString(port)) + " ";
        return new PortlockException(target.key(), port, "cannot " + what + " " + where
                + "for lock '" + target.key() + "' (" + target
                + "): this process is out of file descriptors (" + cause + ")", cause);
    }

    /**
     * Closes {@code c}, never throwing except a {@link VirtualMachineError}. A close the kernel
     * (or the JDK) refuses is logged as a warning on the {@code io.github.k3portlock} logger and,
     * when {@code failure} is given, added to it as suppressed.
     *
     * @param c what to close
     * @param key the lock key, for the log
     * @param port the port, for the log, or {@code -1}
     * @param failure the failure under way, or {@code null}
     */
    public static void close(Closeable c, String key, int port, Throwable failure) {
        try {
            c.close();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            if (failure != null && failure != e) {
                failure.addSuppressed(e);
            }
            closeFailed(key, port, e);
        }
    }

    /**
     * Logs that closing a socket failed, as a warning on the {@code io.github.k3portlock} logger
     * (or on standard error when no logger can be had).
     *
     * @param key the lock key
     * @param port the port, or {@code -1}
     * @param e the failure
     */
    public static void closeFailed(String key, int port, Throwable e) {
        Log.closeFailed(key, port, e);
    }

    /**
     * Where refused closes are logged: {@code System.getLogger("io.github.k3portlock")}, obtained
     * on first use only (most JVMs never need it). Tests put a recording logger here.
     */
    static volatile System.Logger logger;

    /** The logging, in a class of its own: loaded by the warm-up, initialised on first use. */
    private static final class Log {
        private Log() {
        }

        static void closeFailed(String key, int port, Throwable e) {
            String msg = "k3portlock: could not close " + (port < 0 ? "a socket" : "port " + port)
                    + " of lock '" + key + "'" + (isOutOfDescriptors(e)
                    ? " (this process is out of file descriptors)" : "")
                    + "; its descriptor may stay open until the process exits";
            try {
                System.Logger l = logger;
                if (l == null) {
                    l = System.getLogger("io.github.k3portlock");
                    logger = l;
                }
                l.log(System.Logger.Level.WARNING, msg, e);
            } catch (VirtualMachineError vme) {
                throw vme;
            } catch (Throwable loggerFailed) {
                // No logger at the limit (loading one may need descriptors): stderr is open.
                System.err.println(msg + ": " + e);
            }
        }
    }
}
